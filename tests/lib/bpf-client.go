// SPDX-License-Identifier: MIT

// A Go TCP client for the eBPF-mode tests (tests/bpf/bpf-run.tap,
// tests/wire/wire-bpf-*.test), built by the test with CGO_ENABLED=0: a static
// executable whose runtime makes its own system calls.
//
//	bpf-client-go HOST PORT [--default-dialer] [--send-after S]
//
// Without --default-dialer it dials with KeepAlive: -1, so Go sets no
// keepalive option itself; with it, Go's dialer sets SO_KEEPALIVE and 15 s
// idle and interval itself.  Events as tests/lib/bpf-client.c writes them.
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

func bootTime() float64 {
	var ts syscall.Timespec
	// CLOCK_BOOTTIME, as /proc/uptime counts.
	_, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 7,
		uintptr(unsafe.Pointer(&ts)), 0)
	if e != 0 {
		return 0
	}
	return float64(ts.Sec) + float64(ts.Nsec)/1e9
}

func errName(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.ETIMEDOUT:
			return "ETIMEDOUT"
		case syscall.ECONNRESET:
			return "ECONNRESET"
		case syscall.EHOSTUNREACH:
			return "EHOSTUNREACH"
		case syscall.EPIPE:
			return "EPIPE"
		}
		return fmt.Sprintf("E%d", int(errno))
	}
	return "EOTHER"
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: bpf-client-go HOST PORT [--default-dialer] [--send-after S]")
		os.Exit(2)
	}
	dialer := net.Dialer{KeepAlive: -1}
	sendAfter := -1.0
	for i := 3; i < len(os.Args); i++ {
		switch os.Args[i] {
		case "--default-dialer":
			dialer = net.Dialer{}
		case "--send-after":
			i++
			v, err := strconv.ParseFloat(os.Args[i], 64)
			if err != nil {
				os.Exit(2)
			}
			sendAfter = v
		default:
			fmt.Fprintln(os.Stderr, "bpf-client-go: unknown option", os.Args[i])
			os.Exit(2)
		}
	}
	conn, err := dialer.Dial("tcp", net.JoinHostPort(os.Args[1], os.Args[2]))
	if err != nil {
		fmt.Printf("error errno=%s t=0\n", errName(err))
		os.Exit(1)
	}
	t0 := time.Now()
	fd := -1
	if raw, err := conn.(*net.TCPConn).SyscallConn(); err == nil {
		raw.Control(func(f uintptr) { fd = int(f) })
	}
	fmt.Printf("connected t=0 boot=%.3f fd=%d\n", bootTime(), fd)
	var tsend time.Time
	if sendAfter >= 0 {
		time.Sleep(time.Duration(sendAfter * float64(time.Second)))
		if _, err := conn.Write([]byte("data after idle\n")); err != nil {
			fmt.Printf("error errno=%s t=%.3f\n", errName(err), time.Since(t0).Seconds())
			os.Exit(1)
		}
		tsend = time.Now()
		fmt.Printf("sent bytes=16 t=%.3f\n", tsend.Sub(t0).Seconds())
	}
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		t := time.Since(t0).Seconds()
		if n > 0 {
			fmt.Printf("data bytes=%d t=%.3f\n", n, t)
			continue
		}
		if err != nil {
			if err.Error() == "EOF" {
				fmt.Printf("eof t=%.3f\n", t)
				os.Exit(0)
			}
			extra := ""
			if !tsend.IsZero() {
				extra = fmt.Sprintf(" tsend=%.3f", time.Since(tsend).Seconds())
			}
			fmt.Printf("error errno=%s t=%.3f%s\n", errName(err), t, extra)
			os.Exit(1)
		}
	}
}
