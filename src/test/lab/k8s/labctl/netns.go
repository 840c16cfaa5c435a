package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// The whole control plane runs in a network namespace of its own: etcd, kube-apiserver
// and the MetalLB controller ("the pod") see only that namespace's loopback device, which
// also carries the "pod" and advertise addresses (Kubernetes rejects loopback addresses in
// EndpointSlices, so the webhook endpoint needs a non-loopback address; inside our own
// namespace nothing leaves the machine). The outside world reaches the API server through
// a TCP bridge on a 127.0.0.x address of the root namespace.

const cloneNewNet = 0x40000000

func netnsPath(name string) string { return "/run/netns/" + name }

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func createNetns(name string, addrs []string) error {
	if err := run("ip", "netns", "add", name); err != nil {
		return err
	}
	if err := run("ip", "-n", name, "link", "set", "lo", "up"); err != nil {
		return err
	}
	for _, a := range addrs {
		if err := run("ip", "-n", name, "addr", "add", a+"/32", "dev", "lo"); err != nil {
			return err
		}
	}
	return nil
}

func deleteNetns(name string) error {
	if _, err := os.Stat(netnsPath(name)); os.IsNotExist(err) {
		return nil
	}
	return run("ip", "netns", "del", name)
}

// setns(2) numbers; the syscall package has no SYS_SETNS.
var sysSetns = map[string]uintptr{"amd64": 308, "arm64": 268, "riscv64": 268, "ppc64le": 350, "s390x": 339}

func setns(fd uintptr) error {
	nr, ok := sysSetns[runtime.GOARCH]
	if !ok {
		return fmt.Errorf("setns: unsupported architecture %s", runtime.GOARCH)
	}
	_, _, e := syscall.RawSyscall(nr, fd, cloneNewNet, 0)
	if e != 0 {
		return e
	}
	return nil
}

// inNetns runs fn on a thread that has joined the named network namespace. Sockets that fn
// creates stay in that namespace after the thread switches back.
func inNetns(name string, fn func() error) error {
	runtime.LockOSThread()
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer self.Close()
	target, err := os.Open(netnsPath(name))
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer target.Close()
	if err := setns(target.Fd()); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("setns %s: %w", name, err)
	}
	ferr := fn()
	if err := setns(self.Fd()); err != nil {
		// Leave the thread locked: the runtime discards it when this goroutine ends.
		return fmt.Errorf("setns back: %w", err)
	}
	runtime.UnlockOSThread()
	return ferr
}

// dialInNetns opens a TCP connection from inside the namespace.
func dialInNetns(ctx context.Context, ns, addr string) (net.Conn, error) {
	var c net.Conn
	err := inNetns(ns, func() error {
		d := net.Dialer{Timeout: 5 * time.Second}
		var err error
		c, err = d.DialContext(ctx, "tcp", addr)
		return err
	})
	return c, err
}
