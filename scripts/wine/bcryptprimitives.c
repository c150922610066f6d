/*
 * A stand-in for Windows' bcryptprimitives.dll, which Wine 8.0 lacks and
 * Rust's standard library imports (ProcessPrng, its random source since
 * Rust 1.78; present on every Windows 10 and later). Without it, no Rust
 * program or DLL built for Windows loads under that Wine: the loader stops
 * with "Library bcryptprimitives.dll ... not found" (status c0000135).
 * Only for the Wine test run (scripts/test-windows.sh); never shipped.
 */
#include <windows.h>

/* advapi32's RtlGenRandom, exported as SystemFunction036. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
