/**
 * This machine in napi-rs's platform naming (`linux-x64-gnu`, `darwin-arm64`,
 * `win32-x64-msvc`): the suffix of the package that carries its binary.
 */
export declare function platformName(): {
    name: string;
    libc: string | null;
};
