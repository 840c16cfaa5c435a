// Command edge-k8s-lab runs a throwaway Kubernetes control plane for edge's tests:
// etcd + kube-apiserver (+ MetalLB's controller once its Deployment exists) in a network
// namespace of their own, reachable from the host through a loopback TCP bridge.
//
//	edge-k8s-lab up --dir DIR --bin BINDIR [--listen 127.0.0.40:0] [--metallb=true] [--speaker-netns-prefix P]
//	edge-k8s-lab down --dir DIR
//	edge-k8s-lab status --dir DIR
//
// `up` stays in the foreground until SIGTERM/SIGINT; progress goes to DIR/status.json.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type status struct {
	Phase         string                   `json:"phase"` // starting, ready, failed, stopping, stopped
	Error         string                   `json:"error,omitempty"`
	Server        string                   `json:"server,omitempty"`
	Kubeconfig    string                   `json:"kubeconfig,omitempty"`
	Netns         string                   `json:"netns,omitempty"`
	SupervisorPID int                      `json:"supervisorPid"`
	PIDs          map[string]int           `json:"pids"`
	ReadySeconds  float64                  `json:"readySeconds,omitempty"`
	MetalLB       *metallbStatus           `json:"metallb,omitempty"`
	Nodes         map[string]string        `json:"nodes,omitempty"`
	Speakers      map[string]speakerStatus `json:"speakers,omitempty"`
}

type metallbStatus struct {
	Phase    string `json:"phase"` // waiting, starting, running, ready, backoff
	PID      int    `json:"pid,omitempty"`
	PodIP    string `json:"podIP"`
	Restarts int    `json:"restarts"`
	Message  string `json:"message,omitempty"`
}

type lab struct {
	dir, bin, ns    string
	logDir, pidDir  string
	podIP, advIP    string
	st              status
	k               *kube
	p               *pki
	br              *bridge
	etcd, apiserver *child
}

func (l *lab) writeStatus() {
	b, _ := json.MarshalIndent(&l.st, "", "  ")
	tmp := filepath.Join(l.dir, ".status.json.tmp")
	os.WriteFile(tmp, append(b, '\n'), 0o644)
	os.Rename(tmp, filepath.Join(l.dir, "status.json"))
}

func main() {
	log.SetFlags(log.Ltime | log.Lmicroseconds)
	log.SetPrefix("edge-k8s-lab: ")
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: edge-k8s-lab up|down|status --dir DIR [flags]")
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	dir := fs.String("dir", "", "state directory (certificates, data, logs, status.json)")
	bin := fs.String("bin", "", "directory holding etcd, kube-apiserver and metallb-controller")
	listen := fs.String("listen", "127.0.0.40:0", "loopback host:port where the API server is published (port 0 = free port)")
	ns := fs.String("netns", "", "network namespace name (default edgek8s-<pid>-<random>)")
	withMetalLB := fs.Bool("metallb", true, "run MetalLB's controller once Deployment metallb-system/controller exists")
	nodes := fs.String("nodes", "k8smaster1=192.168.4.11,k8snode1=192.168.4.12,k8snode2=192.168.4.13",
		"Node objects to register (name=InternalIP,...; empty for none)")
	podIP := fs.String("pod-ip", "10.244.0.10", "address of the MetalLB controller 'pod' inside the lab namespace")
	advIP := fs.String("advertise-ip", "10.244.0.1", "API server advertise address inside the lab namespace")
	timeout := fs.Duration("timeout", 180*time.Second, "how long to wait for the API server to be ready")
	withParent := fs.Bool("exit-with-parent", false, "stop the lab when the process that started it exits (tests)")
	speakerPrefix := fs.String("speaker-netns-prefix", "", "run MetalLB's speaker (once DaemonSet metallb-system/speaker exists) "+
		"for every Node whose network namespace <prefix><node name> exists; empty: no speakers")
	fs.Parse(args)
	if *dir == "" {
		log.Fatal("--dir is required")
	}
	abs, _ := filepath.Abs(*dir)
	switch cmd {
	case "up":
		if *bin == "" {
			log.Fatal("--bin is required")
		}
		b, _ := filepath.Abs(*bin)
		os.Exit(up(abs, b, *listen, *ns, *withMetalLB, *nodes, *podIP, *advIP, *timeout, *withParent, *speakerPrefix))
	case "down":
		down(abs)
	case "status":
		b, err := os.ReadFile(filepath.Join(abs, "status.json"))
		if err != nil {
			log.Fatal(err)
		}
		os.Stdout.Write(b)
	default:
		log.Fatalf("unknown command %q", cmd)
	}
}

// down stops a lab started with `up` in dir: the supervisor first (it stops its children),
// then any child PIDs still recorded, then the namespace.
func down(dir string) {
	killRecorded(filepath.Join(dir, "pids", "supervisor.pid"))
	entries, _ := os.ReadDir(filepath.Join(dir, "pids"))
	for _, e := range entries {
		killRecorded(filepath.Join(dir, "pids", e.Name()))
	}
	if b, err := os.ReadFile(filepath.Join(dir, "netns")); err == nil {
		if err := deleteNetns(strings.TrimSpace(string(b))); err != nil {
			log.Print(err)
		}
		os.Remove(filepath.Join(dir, "netns"))
	}
}

func up(dir, bin, listen, ns string, withMetalLB bool, nodes, podIP, advIP string, timeout time.Duration, withParent bool,
	speakerPrefix string) int {
	t0 := time.Now()
	if err := os.MkdirAll(filepath.Join(dir, "pids"), 0o755); err != nil {
		log.Print(err)
		return 1
	}
	// A previous supervisor for this dir that is still alive owns it.
	if b, err := os.ReadFile(filepath.Join(dir, "pids", "supervisor.pid")); err == nil {
		if pid, _ := strconv.Atoi(strings.Split(strings.TrimSpace(string(b)), "\n")[0]); pid > 0 && pid != os.Getpid() && pidAlive(pid) && pidRuns(pid, "edge-k8s-lab") {
			log.Printf("a lab is already running in %s (supervisor PID %d); run `down` first", dir, pid)
			return 1
		}
	}
	down(dir) // leftovers of a supervisor that was killed
	for _, d := range []string{"etcd-data", "logs", "pki", "metallb", "speakers"} {
		os.RemoveAll(filepath.Join(dir, d))
	}
	if ns == "" {
		ns = fmt.Sprintf("edgek8s-%d-%04x", os.Getpid(), time.Now().UnixNano()&0xffff)
	}
	self, _ := os.Executable()
	os.WriteFile(filepath.Join(dir, "pids", "supervisor.pid"), []byte(fmt.Sprintf("%d\n%s\n", os.Getpid(), self)), 0o644)
	l := &lab{dir: dir, bin: bin, ns: ns, logDir: filepath.Join(dir, "logs"), pidDir: filepath.Join(dir, "pids"),
		podIP: podIP, advIP: advIP}
	os.MkdirAll(l.logDir, 0o755)
	l.st = status{Phase: "starting", Netns: ns, SupervisorPID: os.Getpid(), PIDs: map[string]int{}}
	l.writeStatus()

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-sigs; log.Print("signal: stopping"); cancel() }()
	if withParent {
		// A test JVM that dies (even by SIGKILL) must not leave a lab running.
		ppid := os.Getppid()
		go func() {
			for ctx.Err() == nil {
				if os.Getppid() != ppid {
					log.Print("parent process exited: stopping")
					cancel()
					return
				}
				time.Sleep(500 * time.Millisecond)
			}
		}()
	}

	err := l.start(ctx, listen, nodes, timeout)
	if err == nil {
		l.st.Phase = "ready"
		l.st.ReadySeconds = time.Since(t0).Seconds()
		l.writeStatus()
		log.Printf("READY in %.1fs server=%s kubeconfig=%s", l.st.ReadySeconds, l.st.Server, l.st.Kubeconfig)
		var mlb *metallbKubelet
		if withMetalLB {
			mlb = newMetallbKubelet(l)
			go mlb.run(ctx)
		}
		var spk *speakerKubelet
		if speakerPrefix != "" {
			spk = newSpeakerKubelet(l, speakerPrefix)
			go spk.run(ctx)
		}
		err = l.watch(ctx)
		if spk != nil {
			spk.stop()
		}
		if mlb != nil {
			mlb.stop()
		}
	}
	rc := 0
	if err != nil && ctx.Err() == nil {
		log.Printf("FAILED: %v", err)
		l.st.Phase, l.st.Error = "failed", err.Error()
		rc = 1
	} else {
		l.st.Phase = "stopping"
	}
	l.writeStatus()
	l.teardown()
	if rc == 0 {
		l.st.Phase = "stopped"
	}
	l.writeStatus()
	os.Remove(filepath.Join(dir, "pids", "supervisor.pid"))
	return rc
}

func (l *lab) start(ctx context.Context, listen, nodes string, timeout time.Duration) error {
	if err := createNetns(l.ns, []string{l.advIP, l.podIP}); err != nil {
		return err
	}
	os.WriteFile(filepath.Join(l.dir, "netns"), []byte(l.ns+"\n"), 0o644)

	br, err := startBridge(listen, l.ns, "127.0.0.1:6443")
	if err != nil {
		return fmt.Errorf("listen %s: %w", listen, err)
	}
	l.br = br
	host, _, _ := net.SplitHostPort(br.Addr())
	l.st.Server = "https://" + br.Addr()

	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(l.advIP), net.ParseIP("10.96.0.1"), net.ParseIP(host)}
	dns := []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}
	p, err := makePKI(filepath.Join(l.dir, "pki"), ips, dns)
	if err != nil {
		return err
	}
	l.p = p
	kc, err := kubeconfig(l.st.Server, p.CAFile, p.AdminCertFile, p.AdminKeyFile, "")
	if err != nil {
		return err
	}
	l.st.Kubeconfig = filepath.Join(l.dir, "kubeconfig")
	if err := os.WriteFile(l.st.Kubeconfig, kc, 0o600); err != nil {
		return err
	}
	if l.k, err = newKube(l.st.Server, p); err != nil {
		return err
	}

	// etcd, loopback of the lab namespace only
	l.etcd, err = startChild("etcd", l.ns, []string{filepath.Join(l.bin, "etcd"),
		"--name=lab", "--data-dir=" + filepath.Join(l.dir, "etcd-data"),
		"--listen-client-urls=http://127.0.0.1:2379", "--advertise-client-urls=http://127.0.0.1:2379",
		"--listen-peer-urls=http://127.0.0.1:2380", "--initial-advertise-peer-urls=http://127.0.0.1:2380",
		"--initial-cluster=lab=http://127.0.0.1:2380", "--listen-metrics-urls=http://127.0.0.1:2381",
		"--unsafe-no-fsync", "--log-level=warn", "--quota-backend-bytes=2147483648",
	}, nil, l.logDir, l.pidDir)
	if err != nil {
		return err
	}
	l.st.PIDs["etcd"] = l.etcd.pid()
	l.writeStatus()
	if err := l.waitHTTP(ctx, l.etcd, "http://127.0.0.1:2379/health", 60*time.Second); err != nil {
		return fmt.Errorf("etcd: %w (see %s)", err, filepath.Join(l.logDir, "etcd.log"))
	}
	log.Printf("etcd up (pid %d)", l.etcd.pid())

	l.apiserver, err = startChild("kube-apiserver", l.ns, []string{filepath.Join(l.bin, "kube-apiserver"),
		"--etcd-servers=http://127.0.0.1:2379",
		"--bind-address=0.0.0.0", // inside the lab namespace: its loopback device only
		"--secure-port=6443",
		"--advertise-address=" + l.advIP,
		"--tls-cert-file=" + p.ServerCertFile, "--tls-private-key-file=" + p.ServerKeyFile,
		"--client-ca-file=" + p.CAFile,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.SAPubFile,
		"--service-account-signing-key-file=" + p.SAKeyFile,
		"--service-cluster-ip-range=10.96.0.0/16",
		"--authorization-mode=RBAC",
		"--enable-aggregator-routing=true",
		"--allow-privileged=true",
		"--profiling=false",
		"--cert-dir=" + filepath.Join(l.dir, "pki", "apiserver-generated"),
		"--v=1",
	}, nil, l.logDir, l.pidDir)
	if err != nil {
		return err
	}
	l.st.PIDs["kube-apiserver"] = l.apiserver.pid()
	l.writeStatus()
	if err := l.waitReady(ctx, timeout); err != nil {
		return fmt.Errorf("kube-apiserver: %w (see %s)", err, filepath.Join(l.logDir, "kube-apiserver.log"))
	}
	log.Printf("kube-apiserver ready (pid %d) at %s", l.apiserver.pid(), l.st.Server)
	return l.registerNodes(ctx, nodes)
}

func (l *lab) waitHTTP(ctx context.Context, c *child, url string, timeout time.Duration) error {
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) { return dialInNetns(ctx, l.ns, addr) },
	}}
	deadline := time.Now().Add(timeout)
	for {
		if c.exited() {
			return fmt.Errorf("exited: %v", c.err)
		}
		resp, err := hc.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not healthy after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (l *lab) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		if l.apiserver.exited() {
			return fmt.Errorf("exited: %v", l.apiserver.err)
		}
		c, cancel := context.WithTimeout(ctx, 3*time.Second)
		last = l.k.get(c, "/readyz", nil)
		cancel()
		if last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %v", timeout, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// registerNodes creates Node objects with an InternalIP, as kubelets would (there is none).
func (l *lab) registerNodes(ctx context.Context, spec string) error {
	l.st.Nodes = map[string]string{}
	for _, kv := range strings.Split(spec, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		name, ip, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("--nodes: %q is not name=ip", kv)
		}
		node := map[string]any{"apiVersion": "v1", "kind": "Node", "metadata": map[string]any{
			"name": name, "labels": map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}}}
		if err := l.k.apply(ctx, "/api/v1/nodes/"+name, "edge-k8s-lab", node); err != nil {
			return fmt.Errorf("node %s: %w", name, err)
		}
		st := map[string]any{"apiVersion": "v1", "kind": "Node", "metadata": map[string]any{"name": name},
			"status": map[string]any{"addresses": []any{
				map[string]string{"type": "InternalIP", "address": ip},
				map[string]string{"type": "Hostname", "address": name}}}}
		if err := l.k.apply(ctx, "/api/v1/nodes/"+name+"/status", "edge-k8s-lab", st); err != nil {
			return fmt.Errorf("node %s status: %w", name, err)
		}
		l.st.Nodes[name] = ip
	}
	return nil
}

// watch returns when ctx ends or when etcd or the API server dies.
func (l *lab) watch(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case <-l.etcd.done:
		return fmt.Errorf("etcd exited: %v", l.etcd.err)
	case <-l.apiserver.done:
		return fmt.Errorf("kube-apiserver exited: %v", l.apiserver.err)
	}
}

func (l *lab) teardown() {
	if l.br != nil {
		l.br.Close()
	}
	if l.apiserver != nil {
		l.apiserver.stop(15*time.Second, l.pidDir)
	}
	if l.etcd != nil {
		l.etcd.stop(10*time.Second, l.pidDir)
	}
	if err := deleteNetns(l.ns); err != nil {
		log.Print(err)
	}
	os.Remove(filepath.Join(l.dir, "netns"))
	l.st.PIDs = map[string]int{}
	log.Print("stopped")
}
