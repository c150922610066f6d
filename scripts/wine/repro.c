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

#ifndef TCP_KEEPALIVE
#define TCP_KEEPALIVE 3 /* ws2ipdef.h; older mingw-w64 headers lack it */
#endif

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

/* setsockopt(IPPROTO_TCP, option, value) on a new TCP socket, printed as
 * "what: setsockopt(name, value) = rc, WSAGetLastError() = n". */
static void tcp_option(const char *what, const char *name, int option, DWORD value)
{
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    int rc = setsockopt(s, IPPROTO_TCP, option, (const char *)&value, sizeof value);
    printf("%s: setsockopt(%s, %lu) = %d, WSAGetLastError() = %d%s\n", what, name, (unsigned long)value, rc,
           rc ? WSAGetLastError() : 0, rc ? " (10042 is WSAENOPROTOOPT)" : "");
    closesocket(s);
}

/* Windows 10 1703 and later: TCP_KEEPCNT. */
static void keepcnt(void)
{
    tcp_option("keepcnt", "TCP_KEEPCNT", TCP_KEEPCNT, 4);
}

/* Windows 10 1709 and later: TCP_KEEPALIVE (3, the idle time in seconds;
 * TCP_KEEPIDLE in Microsoft's headers), which libuv sets when it creates a
 * socket whose keepalive was asked for first (node:net's setKeepAlive
 * before connect, as undici's fetch does): a failure there fails
 * node:net's connect with UNKNOWN. */
static void keepidle(void)
{
    tcp_option("keepidle", "TCP_KEEPALIVE", TCP_KEEPALIVE, 60);
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
    printf("; connect(0.0.0.0:0) = %d; then getsockname = %s", rc, addr(&local));
    /* Windows: an unconnected UDP socket cannot send() (WSAENOTCONN). */
    rc = send(c, "x", 1, 0);
    printf("; send() = %d%s\n", rc, rc < 0 ? "" : " (still connected)");
    closesocket(c);
    closesocket(peer);
}

/* The peer closes with SO_LINGER {1, 0}: an RST. Windows' recv fails with
 * WSAECONNRESET (10054). */
static void reset(void)
{
    SOCKET l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), a;
    struct sockaddr_in to = loopback(0);
    int len = sizeof to;
    struct linger lin = {1, 0};
    char buf[8];
    bind(l, (struct sockaddr *)&to, sizeof to);
    listen(l, 1);
    getsockname(l, (struct sockaddr *)&to, &len);
    connect(c, (struct sockaddr *)&to, sizeof to);
    a = accept(l, NULL, NULL);
    setsockopt(a, SOL_SOCKET, SO_LINGER, (const char *)&lin, sizeof lin);
    closesocket(a);
    Sleep(50);
    int rc = recv(c, buf, sizeof buf, 0);
    printf("reset: recv after the peer's abortive close = %d, WSAGetLastError() = %d (10054 is WSAECONNRESET)\n", rc,
           rc < 0 ? WSAGetLastError() : 0);
    closesocket(c);
    closesocket(l);
}

/* getaddrinfo("127.0.0.1", "80"): with SOCK_STREAM, which ai_protocol;
 * with no socket type, how many entries and of which types. */
static void addrinfo(void)
{
    struct addrinfo hints = {0}, *list, *e;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo("127.0.0.1", "80", &hints, &list) == 0) {
        printf("addrinfo: SOCK_STREAM: ai_protocol = %d (6 is IPPROTO_TCP)", list->ai_protocol);
        freeaddrinfo(list);
    }
    hints.ai_socktype = 0;
    if (getaddrinfo("127.0.0.1", "80", &hints, &list) == 0) {
        int n = 0;
        printf("; no socket type: socktypes");
        for (e = list; e; e = e->ai_next, n++) printf(" %d", e->ai_socktype);
        printf(" (%d entries; 1 is SOCK_STREAM, 2 SOCK_DGRAM)\n", n);
        freeaddrinfo(list);
    }
}

/* A connected UDP socket sends to a port nobody listens on: Windows' next
 * recv fails with WSAECONNRESET (the ICMP port unreachable). */
static void udp_refused(void)
{
    SOCKET gone = socket(AF_INET, SOCK_DGRAM, 0), c = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = loopback(0);
    int len = sizeof to;
    DWORD timeout = 1000;
    char buf[8];
    bind(gone, (struct sockaddr *)&to, sizeof to);
    getsockname(gone, (struct sockaddr *)&to, &len);
    closesocket(gone);
    connect(c, (struct sockaddr *)&to, sizeof to);
    send(c, "anyone?", 7, 0);
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout, sizeof timeout);
    int rc = recv(c, buf, sizeof buf, 0);
    printf("udp_refused: recv = %d, WSAGetLastError() = %d (10054 is WSAECONNRESET, 10060 WSAETIMEDOUT)", rc,
           rc < 0 ? WSAGetLastError() : 0);
    /* SO_ERROR, read twice after a second refused datagram: reading it
     * should clear it, as on Linux. */
    send(c, "anyone?", 7, 0);
    Sleep(100);
    int first = 0, second = 0, n = sizeof first;
    getsockopt(c, SOL_SOCKET, SO_ERROR, (char *)&first, &n);
    n = sizeof second;
    getsockopt(c, SOL_SOCKET, SO_ERROR, (char *)&second, &n);
    printf("; SO_ERROR read twice = %d, then %d\n", first, second);
    closesocket(c);
}

/* Errors for options: leaving an IPv4 group not joined (Linux:
 * EADDRNOTAVAIL; Windows: WSAEADDRNOTAVAIL 10049 expected), TCP_NODELAY on
 * a UDP socket (Windows: WSAENOPROTOOPT 10042 expected). */
static void option_errors(void)
{
    SOCKET u = socket(AF_INET, SOCK_DGRAM, 0);
    struct ip_mreq mreq = {0};
    DWORD on = 1;
    mreq.imr_multiaddr.s_addr = inet_addr("239.1.2.3");
    mreq.imr_interface.s_addr = htonl(INADDR_LOOPBACK);
    int rc = setsockopt(u, IPPROTO_IP, IP_DROP_MEMBERSHIP, (const char *)&mreq, sizeof mreq);
    printf("option_errors: IP_DROP_MEMBERSHIP of a group not joined = %d, WSAGetLastError() = %d", rc,
           rc ? WSAGetLastError() : 0);
    rc = setsockopt(u, IPPROTO_TCP, TCP_NODELAY, (const char *)&on, sizeof on);
    printf("; TCP_NODELAY on UDP = %d, WSAGetLastError() = %d (10022 is WSAEINVAL)\n", rc, rc ? WSAGetLastError() : 0);
    closesocket(u);
}

int main(void)
{
    WSADATA wsa;
    WSAStartup(MAKEWORD(2, 2), &wsa);
    keepcnt();
    keepidle();
    msgsize();
    disconnect();
    reset();
    addrinfo();
    udp_refused();
    option_errors();
    WSACleanup();
    return 0;
}
