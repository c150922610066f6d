/*
 * Minimal Winsock reproductions of the places where Wine differs from
 * Windows, each the same operation a skipped test makes, with no code of
 * ours in between. scripts/test-windows.sh --repro builds this with
 * mingw-w64 and runs it under Wine; the README's Windows section and the
 * skips in the tests point here.
 *
 *   repro.exe          every case, one line each: name, what happened
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <stdio.h>

#ifndef TCP_KEEPCNT
#define TCP_KEEPCNT 16
#endif

static struct sockaddr_in loopback(unsigned short port)
{
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

static const char *addr(const struct sockaddr_in *a)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "%s:%u", inet_ntoa(a->sin_addr), ntohs(a->sin_port));
    return buf;
}

/* Windows 10 1703 and later: setsockopt(IPPROTO_TCP, TCP_KEEPCNT). */
static void keepcnt(void)
{
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    DWORD n = 4;
    int rc = setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, (const char *)&n, sizeof n);
    printf("keepcnt: setsockopt(TCP_KEEPCNT, 4) = %d, WSAGetLastError() = %d%s\n", rc,
           rc ? WSAGetLastError() : 0, rc ? " (10042 is WSAENOPROTOOPT)" : "");
    closesocket(s);
}

/* A 100-byte datagram into a 10-byte buffer: WSARecvFrom fails with
 * WSAEMSGSIZE after filling the buffer; how many bytes does it report? */
static void msgsize(void)
{
    SOCKET a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = loopback(0), from;
    int len = sizeof to, fromlen = sizeof from;
    char out[100], in[10];
    memset(out, 7, sizeof out);
    bind(a, (struct sockaddr *)&to, sizeof to);
    getsockname(a, (struct sockaddr *)&to, &len);
    sendto(b, out, sizeof out, 0, (struct sockaddr *)&to, sizeof to);
    Sleep(50);
    WSABUF buf = {sizeof in, in};
    DWORD got = 12345, flags = 0;
    int rc = WSARecvFrom(a, &buf, 1, &got, &flags, (struct sockaddr *)&from, &fromlen, NULL, NULL);
    printf("msgsize: WSARecvFrom(100-byte datagram, 10-byte buffer) = %d, WSAGetLastError() = %d, bytes received = %lu%s\n",
           rc, rc ? WSAGetLastError() : 0, (unsigned long)got,
           got == 12345 ? " (left unset)" : "");
    closesocket(a);
    closesocket(b);
}

/* A UDP socket bound implicitly by connect(), then disconnected with a
 * connect() to 0.0.0.0:0: what does getsockname() say? */
static void disconnect(void)
{
    SOCKET peer = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = loopback(0), local, any = {0};
    int len = sizeof to;
    bind(peer, (struct sockaddr *)&to, sizeof to);
    getsockname(peer, (struct sockaddr *)&to, &len);
    connect(c, (struct sockaddr *)&to, sizeof to);
    len = sizeof local;
    getsockname(c, (struct sockaddr *)&local, &len);
    printf("disconnect: after connect getsockname = %s", addr(&local));
    any.sin_family = AF_INET;
    int rc = connect(c, (struct sockaddr *)&any, sizeof any);
    len = sizeof local;
    getsockname(c, (struct sockaddr *)&local, &len);
    printf("; connect(0.0.0.0:0) = %d; then getsockname = %s\n", rc, addr(&local));
    closesocket(c);
    closesocket(peer);
}

int main(void)
{
    WSADATA wsa;
    WSAStartup(MAKEWORD(2, 2), &wsa);
    keepcnt();
    msgsize();
    disconnect();
    WSACleanup();
    return 0;
}
