package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// metallbKubelet plays kubelet (and the endpoints and deployment controllers) for exactly
// one workload: Deployment metallb-system/controller from MetalLB's manifest. Once that
// Deployment exists it runs the controller binary as a local process inside the lab
// namespace, with the Deployment's own args and env, the Secret volume synced into a
// directory (as kubelet projects it), a service-account token for the Deployment's
// ServiceAccount (so the manifest's RBAC applies), the readiness probe polled, and an
// EndpointSlice/Endpoints for metallb-webhook-service that point at the "pod" address.
// The API server resolves the webhook service through those (--enable-aggregator-routing).
type metallbKubelet struct {
	l        *lab
	ns, name string
	root     string // the "pod" filesystem root for volume mounts
	proc     *child
	specHash string
	restarts int
	backoff  time.Time
	ready    bool
	lastSync string // what endpoints/status were last written for
	syncTick int
	tokenAt  time.Time
	objects  map[string]bool // EndpointSlice/Endpoints paths written for the pod
	done     chan struct{}
	cancel   context.CancelFunc
}

const fieldManager = "edge-k8s-lab"

func newMetallbKubelet(l *lab) *metallbKubelet {
	m := &metallbKubelet{l: l, ns: "metallb-system", name: "controller", root: filepath.Join(l.dir, "metallb", "root"),
		done: make(chan struct{}), objects: map[string]bool{}}
	l.st.MetalLB = &metallbStatus{Phase: "waiting", PodIP: l.podIP, Message: "waiting for Deployment metallb-system/controller"}
	l.writeStatus()
	return m
}

type deployment struct {
	Metadata struct {
		Generation int64  `json:"generation"`
		UID        string `json:"uid"`
	} `json:"metadata"`
	Spec struct {
		Template struct {
			Metadata struct {
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
			Spec struct {
				ServiceAccountName string      `json:"serviceAccountName"`
				Containers         []container `json:"containers"`
				Volumes            []struct {
					Name   string `json:"name"`
					Secret *struct {
						SecretName string `json:"secretName"`
					} `json:"secret"`
				} `json:"volumes"`
			} `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

type container struct {
	Name  string   `json:"name"`
	Image string   `json:"image"`
	Args  []string `json:"args"`
	Env   []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"env"`
	Ports []struct {
		Name          string `json:"name"`
		ContainerPort int    `json:"containerPort"`
	} `json:"ports"`
	ReadinessProbe *struct {
		HTTPGet *struct {
			Path string `json:"path"`
			Port any    `json:"port"`
		} `json:"httpGet"`
	} `json:"readinessProbe"`
	VolumeMounts []struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
	} `json:"volumeMounts"`
}

func (c *container) port(p any) int {
	switch v := p.(type) {
	case float64:
		return int(v)
	case string:
		for _, cp := range c.Ports {
			if cp.Name == v {
				return cp.ContainerPort
			}
		}
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}

func (m *metallbKubelet) setPhase(phase, msg string) {
	s := m.l.st.MetalLB
	if s.Phase != phase || s.Message != msg {
		log.Printf("metallb controller: %s %s", phase, msg)
	}
	s.Phase, s.Message, s.Restarts = phase, msg, m.restarts
	s.PID = 0
	if m.proc != nil && !m.proc.exited() {
		s.PID = m.proc.pid()
	}
	m.l.writeStatus()
}

func (m *metallbKubelet) run(ctx context.Context) {
	ctx, m.cancel = context.WithCancel(ctx)
	defer close(m.done)
	for {
		interval := time.Second
		if err := m.tick(ctx); err != nil && ctx.Err() == nil {
			log.Printf("metallb kubelet: %v", err)
		}
		if m.ready {
			interval = 2 * time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

func (m *metallbKubelet) stop() {
	if m.cancel != nil {
		m.cancel()
		<-m.done
	}
	m.kill()
}

func (m *metallbKubelet) kill() {
	if m.proc != nil {
		m.proc.stop(5*time.Second, m.l.pidDir)
		m.proc = nil
	}
	m.ready = false
}

func (m *metallbKubelet) tick(ctx context.Context) error {
	k := m.l.k
	var d deployment
	err := k.get(ctx, "/apis/apps/v1/namespaces/"+m.ns+"/deployments/"+m.name, &d)
	if isNotFound(err) {
		if m.proc != nil {
			m.kill()
		}
		// The pod is gone: so are its endpoints (the webhook then has "no endpoints").
		for path := range m.objects {
			if err := k.delete(ctx, path); err != nil {
				return err
			}
			delete(m.objects, path)
		}
		m.lastSync = ""
		m.setPhase("waiting", "waiting for Deployment metallb-system/controller")
		return nil
	}
	if err != nil {
		return err
	}
	cs := d.Spec.Template.Spec.Containers
	if len(cs) == 0 {
		return fmt.Errorf("deployment has no containers")
	}
	c := cs[0]
	for i := range cs {
		if cs[i].Name == "controller" {
			c = cs[i]
		}
	}

	// Secret volumes (kubelet would not start the pod before they can be mounted).
	mounts := map[string]string{} // mountPath -> secret
	for _, vm := range c.VolumeMounts {
		for _, v := range d.Spec.Template.Spec.Volumes {
			if v.Name == vm.Name && v.Secret != nil {
				mounts[vm.MountPath] = v.Secret.SecretName
			}
		}
	}
	for path, secret := range mounts {
		if err := m.syncSecret(ctx, secret, filepath.Join(m.root, path)); err != nil {
			if isNotFound(err) {
				m.setPhase("waiting", "waiting for Secret "+secret)
				return nil
			}
			return err
		}
	}

	spec, _ := json.Marshal(c)
	h := sha256.Sum256(spec)
	hash := hex.EncodeToString(h[:8])
	if m.proc != nil && hash != m.specHash {
		log.Printf("metallb controller: pod template changed, restarting")
		m.kill()
	}
	if m.proc != nil && m.proc.exited() {
		m.restarts++
		delay := time.Duration(1<<min(m.restarts-1, 3)) * time.Second // 1,2,4,8 s
		m.backoff = time.Now().Add(delay)
		log.Printf("metallb controller exited (%v), restart %d in %s; log: %s", m.proc.err, m.restarts, delay,
			filepath.Join(m.l.logDir, "metallb-controller.log"))
		os.Remove(filepath.Join(m.l.pidDir, "metallb-controller.pid"))
		m.proc = nil
		m.ready = false
	}
	if m.proc == nil {
		if time.Now().Before(m.backoff) {
			m.setPhase("backoff", fmt.Sprintf("restarting after exit (restarts=%d)", m.restarts))
		} else if err := m.startProc(ctx, &d, &c); err != nil {
			m.setPhase("waiting", err.Error())
			return nil
		} else {
			m.specHash = hash
		}
	}

	// Readiness probe, as declared by the Deployment.
	ready := false
	if m.proc != nil && c.ReadinessProbe != nil && c.ReadinessProbe.HTTPGet != nil {
		port := c.port(c.ReadinessProbe.HTTPGet.Port)
		ready = m.probe(ctx, fmt.Sprintf("http://%s:%d%s", m.l.podIP, port, c.ReadinessProbe.HTTPGet.Path))
	} else if m.proc != nil {
		ready = true
	}
	if ready != m.ready {
		log.Printf("metallb controller: ready=%v", ready)
	}
	m.ready = ready
	if ready {
		m.setPhase("ready", "")
	} else if m.proc != nil {
		m.setPhase("running", "not ready yet")
	}

	// Endpoints and Deployment status: on change, and every ~20 s to heal edits.
	key := fmt.Sprintf("%v/%d/%s", ready, d.Metadata.Generation, d.Metadata.UID)
	m.syncTick++
	if key != m.lastSync || m.syncTick >= 10 {
		if err := m.syncEndpoints(ctx, &c, ready); err != nil {
			return err
		}
		if err := m.syncDeploymentStatus(ctx, &d, ready); err != nil {
			return err
		}
		m.lastSync, m.syncTick = key, 0
	}
	return nil
}

// syncSecret writes the Secret's data as files (atomically per file), as a Secret volume.
func (m *metallbKubelet) syncSecret(ctx context.Context, name, dir string) error {
	var s struct {
		Data map[string]string `json:"data"`
	}
	if err := m.l.k.get(ctx, "/api/v1/namespaces/"+m.ns+"/secrets/"+name, &s); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for key, b64 := range s.Data {
		b, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return err
		}
		p := filepath.Join(dir, key)
		if old, err := os.ReadFile(p); err == nil && string(old) == string(b) {
			continue
		}
		tmp := filepath.Join(dir, "."+key+".tmp")
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, p); err != nil {
			return err
		}
		log.Printf("metallb controller: secret %s key %s synced into %s", name, key, dir)
	}
	return nil
}

func (m *metallbKubelet) startProc(ctx context.Context, d *deployment, c *container) error {
	sa := d.Spec.Template.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	var tr struct {
		Status struct {
			Token string `json:"token"`
		} `json:"status"`
	}
	req := map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
		"spec": map[string]any{"expirationSeconds": 7 * 24 * 3600}}
	if err := m.l.k.post(ctx, "/api/v1/namespaces/"+m.ns+"/serviceaccounts/"+sa+"/token", req, &tr); err != nil {
		if isNotFound(err) {
			return fmt.Errorf("waiting for ServiceAccount %s", sa)
		}
		return fmt.Errorf("token for ServiceAccount %s: %w", sa, err)
	}
	podDir := filepath.Join(m.l.dir, "metallb")
	kcPath := filepath.Join(podDir, "kubeconfig")
	kc, err := kubeconfig("https://127.0.0.1:6443", m.l.p.CAFile, "", "", tr.Status.Token)
	if err != nil {
		return err
	}
	if err := os.WriteFile(kcPath, kc, 0o600); err != nil {
		return err
	}
	tmp := filepath.Join(m.root, "tmp")
	os.MkdirAll(tmp, 0o755)
	args := []string{filepath.Join(m.l.bin, "metallb-controller")}
	args = append(args, c.Args...)
	// The Secret volume is mounted at /tmp/k8s-webhook-server/serving-certs in the pod; here
	// it lives under the pod root. TMPDIR moves controller-runtime's default webhook cert dir
	// (os.TempDir()/k8s-webhook-server/serving-certs), --cert-dir the cert rotator's.
	args = append(args, "--cert-dir="+filepath.Join(tmp, "k8s-webhook-server", "serving-certs"))
	env := []string{"KUBECONFIG=" + kcPath, "TMPDIR=" + tmp, "METALLB_NAMESPACE=" + m.ns}
	for _, e := range c.Env {
		env = append(env, e.Name+"="+e.Value)
	}
	p, err := startChild("metallb-controller", m.l.ns, args, env, m.l.logDir, m.l.pidDir)
	if err != nil {
		return err
	}
	m.proc = p
	m.tokenAt = time.Now()
	log.Printf("metallb controller started (pid %d, pod IP %s, image %s run from %s)", p.pid(), m.l.podIP, c.Image, args[0])
	m.setPhase("running", "started")
	return nil
}

func (m *metallbKubelet) probe(ctx context.Context, url string) bool {
	return probeInNetns(ctx, m.l.ns, url)
}

// probeInNetns is an HTTP readiness probe (2xx/3xx = ready) dialed from inside namespace ns.
func probeInNetns(ctx context.Context, ns, url string) bool {
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext:       func(ctx context.Context, _, addr string) (net.Conn, error) { return dialInNetns(ctx, ns, addr) },
	}}
	resp, err := hc.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode >= 200 && resp.StatusCode < 400
}

// syncEndpoints points every Service in the namespace that selects the pod's labels at the
// pod address, as the EndpointSlice and Endpoints controllers would.
func (m *metallbKubelet) syncEndpoints(ctx context.Context, c *container, ready bool) error {
	var svcs struct {
		Items []struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Spec struct {
				Selector map[string]string `json:"selector"`
				Ports    []struct {
					Name       string `json:"name"`
					Port       int    `json:"port"`
					TargetPort any    `json:"targetPort"`
					Protocol   string `json:"protocol"`
				} `json:"ports"`
			} `json:"spec"`
		} `json:"items"`
	}
	if err := m.l.k.get(ctx, "/api/v1/namespaces/"+m.ns+"/services", &svcs); err != nil {
		return err
	}
	var d deployment
	if err := m.l.k.get(ctx, "/apis/apps/v1/namespaces/"+m.ns+"/deployments/"+m.name, &d); err != nil {
		return err
	}
	podLabels := d.Spec.Template.Metadata.Labels
	for _, s := range svcs.Items {
		if len(s.Spec.Selector) == 0 {
			continue
		}
		match := true
		for k, v := range s.Spec.Selector {
			if podLabels[k] != v {
				match = false
			}
		}
		if !match {
			continue
		}
		var slicePorts, epPorts []any
		for _, sp := range s.Spec.Ports {
			tp := c.port(sp.TargetPort)
			if sp.TargetPort == nil {
				tp = sp.Port
			}
			proto := sp.Protocol
			if proto == "" {
				proto = "TCP"
			}
			slicePorts = append(slicePorts, map[string]any{"name": sp.Name, "port": tp, "protocol": proto})
			epPorts = append(epPorts, map[string]any{"name": sp.Name, "port": tp, "protocol": proto})
		}
		name := s.Metadata.Name
		slice := map[string]any{
			"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
			"metadata": map[string]any{"name": name + "-edge-lab", "namespace": m.ns, "labels": map[string]string{
				"kubernetes.io/service-name":             name,
				"endpointslice.kubernetes.io/managed-by": "edge-k8s-lab",
			}},
			"addressType": "IPv4",
			"endpoints": []any{map[string]any{"addresses": []string{m.l.podIP},
				"conditions": map[string]any{"ready": ready, "serving": ready, "terminating": false},
				"nodeName":   firstNode(m.l.st.Nodes)}},
			"ports": slicePorts,
		}
		slicePath := "/apis/discovery.k8s.io/v1/namespaces/" + m.ns + "/endpointslices/" + name + "-edge-lab"
		if err := m.l.k.apply(ctx, slicePath, fieldManager, slice); err != nil {
			return fmt.Errorf("endpointslice for %s: %w", name, err)
		}
		m.objects[slicePath] = true
		addrKey := "addresses"
		if !ready {
			addrKey = "notReadyAddresses"
		}
		ep := map[string]any{"apiVersion": "v1", "kind": "Endpoints",
			"metadata": map[string]any{"name": name, "namespace": m.ns},
			"subsets":  []any{map[string]any{addrKey: []any{map[string]any{"ip": m.l.podIP}}, "ports": epPorts}}}
		epPath := "/api/v1/namespaces/" + m.ns + "/endpoints/" + name
		if err := m.l.k.apply(ctx, epPath, fieldManager, ep); err != nil {
			return fmt.Errorf("endpoints for %s: %w", name, err)
		}
		m.objects[epPath] = true
	}
	return nil
}

func firstNode(nodes map[string]string) string {
	best := ""
	for n := range nodes {
		if best == "" || strings.Compare(n, best) < 0 {
			best = n
		}
	}
	return best
}

// syncDeploymentStatus reports the one replica, as the deployment controller would.
func (m *metallbKubelet) syncDeploymentStatus(ctx context.Context, d *deployment, ready bool) error {
	n := 0
	cond := "False"
	reason := "MinimumReplicasUnavailable"
	if ready {
		n, cond, reason = 1, "True", "MinimumReplicasAvailable"
	}
	now := time.Now().UTC().Format(time.RFC3339)
	st := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": m.name, "namespace": m.ns},
		"status": map[string]any{
			"observedGeneration": d.Metadata.Generation,
			"replicas":           1, "updatedReplicas": 1, "readyReplicas": n, "availableReplicas": n,
			"unavailableReplicas": 1 - n,
			"conditions": []any{
				map[string]any{"type": "Available", "status": cond, "reason": reason,
					"message":        "edge-k8s-lab runs this Deployment's pod as a local process",
					"lastUpdateTime": now, "lastTransitionTime": now},
				map[string]any{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
					"message": "edge-k8s-lab", "lastUpdateTime": now, "lastTransitionTime": now},
			}}}
	return m.l.k.apply(ctx, "/apis/apps/v1/namespaces/"+m.ns+"/deployments/"+m.name+"/status", fieldManager, st)
}
