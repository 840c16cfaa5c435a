package main

import (
	"context"
	"io"
	"log"
	"net"
	"sync"
)

// bridge accepts connections on a root-namespace loopback address and forwards each one to
// target inside the lab's network namespace (plain TCP, so TLS stays end to end).
type bridge struct {
	ln     net.Listener
	ns     string
	target string
	wg     sync.WaitGroup
}

func startBridge(listen, ns, target string) (*bridge, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	b := &bridge{ln: ln, ns: ns, target: target}
	b.wg.Add(1)
	go b.serve()
	return b, nil
}

func (b *bridge) Addr() string { return b.ln.Addr().String() }

func (b *bridge) serve() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		go b.handle(c)
	}
}

func (b *bridge) handle(c net.Conn) {
	defer c.Close()
	u, err := dialInNetns(context.Background(), b.ns, b.target)
	if err != nil {
		log.Printf("bridge: dial %s in %s: %v", b.target, b.ns, err)
		return
	}
	defer u.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(u, c); closeWrite(u); done <- struct{}{} }()
	go func() { io.Copy(c, u); closeWrite(c); done <- struct{}{} }()
	<-done
	<-done
}

func closeWrite(c net.Conn) {
	if t, ok := c.(*net.TCPConn); ok {
		t.CloseWrite()
	}
}

func (b *bridge) Close() { b.ln.Close() }
