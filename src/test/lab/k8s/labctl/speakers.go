package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// speakerKubelet plays kubelet (and the DaemonSet controller) for DaemonSet
// metallb-system/speaker from MetalLB's manifest. The pods of that DaemonSet use the host
// network, so "the node" is a network namespace: for every Node object whose namespace
// <prefix><node name> exists (the speaker lab creates them, with the node's InternalIP on their
// eth0), it
//   - applies the Pod speaker-<node> (the DaemonSet's template plus nodeName): the speaker GETs
//     its own Pod at start-up;
//   - runs the speaker binary inside that namespace with the template's args and the env a pod
//     would get (fieldRefs resolved), credentials of ServiceAccount "speaker" from the
//     TokenRequest API (so the manifest's RBAC is what it has), and a kubeconfig whose server is
//     the API server's advertise address, reached over the lab's LAN;
//   - restarts it with backoff when it exits (a speaker started before MetalLB's CRDs exist
//     exits at once, as it would crash-loop in a pod);
//   - polls the readiness probe (GET <node ip>:7472/metrics from inside the namespace) and
//     reports Pod and DaemonSet status, so "DaemonSet rolled out" means what it means on a
//     cluster: a speaker ready on every node.
//
// Not run: memberlist (METALLB_ML_* are left unset; BGP does not use it), and the Secret and
// ConfigMap volumes (the speaker reads /etc/metallb/excludel2.yaml if it exists: it does not,
// which means no Layer 2 exclusions).
type speakerKubelet struct {
	l        *lab
	prefix   string
	server   string // API server URL as seen from a node namespace
	ns       string
	specHash string
	token    string
	tokenAt  time.Time
	kcPath   string
	pods     map[string]*speakerPod // by node name
	lastDS   string
	dsTick   int
	done     chan struct{}
	cancel   context.CancelFunc
}

type speakerPod struct {
	node, ip, netns string
	proc            *child
	restarts        int
	backoff         time.Time
	ready           bool
	statusKey       string
}

type speakerStatus struct {
	Netns    string `json:"netns"`
	IP       string `json:"ip"`
	Phase    string `json:"phase"` // running, ready, backoff, waiting
	PID      int    `json:"pid,omitempty"`
	Restarts int    `json:"restarts"`
}

type daemonSet struct {
	Metadata struct {
		Generation int64 `json:"generation"`
	} `json:"metadata"`
	Spec struct {
		Template struct {
			Metadata json.RawMessage `json:"metadata"`
			Spec     json.RawMessage `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

type podSpec struct {
	ServiceAccountName string `json:"serviceAccountName"`
	Containers         []struct {
		Name string   `json:"name"`
		Args []string `json:"args"`
		Env  []struct {
			Name      string `json:"name"`
			Value     string `json:"value"`
			ValueFrom *struct {
				FieldRef *struct {
					FieldPath string `json:"fieldPath"`
				} `json:"fieldRef"`
			} `json:"valueFrom"`
		} `json:"env"`
	} `json:"containers"`
}

func newSpeakerKubelet(l *lab, prefix string) *speakerKubelet {
	return &speakerKubelet{l: l, prefix: prefix, server: "https://" + l.advIP + ":6443", ns: "metallb-system",
		kcPath: filepath.Join(l.dir, "speakers", "kubeconfig"), pods: map[string]*speakerPod{}, done: make(chan struct{})}
}

func (s *speakerKubelet) run(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(ctx)
	defer close(s.done)
	os.MkdirAll(filepath.Dir(s.kcPath), 0o755)
	for {
		if err := s.tick(ctx); err != nil && ctx.Err() == nil {
			log.Printf("speaker kubelet: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (s *speakerKubelet) stop() {
	if s.cancel != nil {
		s.cancel()
		<-s.done
	}
	for _, p := range s.pods {
		s.kill(p)
	}
}

func (s *speakerKubelet) kill(p *speakerPod) {
	if p.proc != nil {
		p.proc.stop(5*time.Second, s.l.pidDir)
		p.proc = nil
	}
	p.ready = false
}

func (s *speakerKubelet) podPath(node string) string {
	return "/api/v1/namespaces/" + s.ns + "/pods/speaker-" + node
}

func (s *speakerKubelet) tick(ctx context.Context) error {
	k := s.l.k
	var ds daemonSet
	err := k.get(ctx, "/apis/apps/v1/namespaces/"+s.ns+"/daemonsets/speaker", &ds)
	if isNotFound(err) {
		// No DaemonSet: no speaker pods (what the DaemonSet controller's garbage collection does).
		for node, p := range s.pods {
			s.kill(p)
			if err := k.delete(ctx, s.podPath(node)); err != nil && !isNotFound(err) {
				return err
			}
			delete(s.pods, node)
		}
		s.report()
		return nil
	}
	if err != nil {
		return err
	}
	var spec podSpec
	if err := json.Unmarshal(ds.Spec.Template.Spec, &spec); err != nil || len(spec.Containers) == 0 {
		return fmt.Errorf("daemonset speaker: unreadable pod template: %v", err)
	}
	h := sha256.Sum256(append(append([]byte{}, ds.Spec.Template.Metadata...), ds.Spec.Template.Spec...))
	hash := hex.EncodeToString(h[:8])
	if s.specHash != "" && hash != s.specHash {
		log.Printf("speaker kubelet: pod template changed, restarting every speaker")
		for _, p := range s.pods {
			s.kill(p)
		}
	}
	s.specHash = hash

	nodes, err := s.nodesWithNetns(ctx)
	if err != nil {
		return err
	}
	for node, p := range s.pods {
		if _, ok := nodes[node]; !ok {
			log.Printf("speaker kubelet: node %s (or its namespace) is gone: stopping its speaker", node)
			s.kill(p)
			if err := k.delete(ctx, s.podPath(node)); err != nil && !isNotFound(err) {
				return err
			}
			delete(s.pods, node)
		}
	}
	if err := s.ensureToken(ctx, spec.ServiceAccountName); err != nil {
		return err
	}
	names := make([]string, 0, len(nodes))
	for n := range nodes {
		names = append(names, n)
	}
	sort.Strings(names)
	ready := 0
	for _, node := range names {
		p := s.pods[node]
		if p == nil {
			p = &speakerPod{node: node, ip: nodes[node], netns: s.prefix + node}
			s.pods[node] = p
		}
		if err := s.sync(ctx, &ds, &spec, p); err != nil {
			log.Printf("speaker kubelet: %s: %v", node, err)
		}
		if p.ready {
			ready++
		}
	}
	s.report()
	return s.syncDaemonSetStatus(ctx, &ds, len(names), ready)
}

// nodesWithNetns returns name -> InternalIP of the Nodes whose namespace exists.
func (s *speakerKubelet) nodesWithNetns(ctx context.Context) (map[string]string, error) {
	var list struct {
		Items []struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Status struct {
				Addresses []struct {
					Type    string `json:"type"`
					Address string `json:"address"`
				} `json:"addresses"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := s.l.k.get(ctx, "/api/v1/nodes", &list); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range list.Items {
		if _, err := os.Stat(netnsPath(s.prefix + n.Metadata.Name)); err != nil {
			continue
		}
		for _, a := range n.Status.Addresses {
			if a.Type == "InternalIP" {
				out[n.Metadata.Name] = a.Address
			}
		}
	}
	return out, nil
}

func (s *speakerKubelet) ensureToken(ctx context.Context, sa string) error {
	if sa == "" {
		sa = "default"
	}
	if s.token != "" && time.Since(s.tokenAt) < 12*time.Hour {
		return nil
	}
	var tr struct {
		Status struct {
			Token string `json:"token"`
		} `json:"status"`
	}
	req := map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
		"spec": map[string]any{"expirationSeconds": 24 * 3600}}
	if err := s.l.k.post(ctx, "/api/v1/namespaces/"+s.ns+"/serviceaccounts/"+sa+"/token", req, &tr); err != nil {
		return fmt.Errorf("token for ServiceAccount %s: %w", sa, err)
	}
	kc, err := kubeconfig(s.server, s.l.p.CAFile, "", "", tr.Status.Token)
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.kcPath, kc, 0o600); err != nil {
		return err
	}
	s.token, s.tokenAt = tr.Status.Token, time.Now()
	return nil
}

func (s *speakerKubelet) sync(ctx context.Context, ds *daemonSet, spec *podSpec, p *speakerPod) error {
	podName := "speaker-" + p.node
	if p.proc == nil {
		var meta map[string]any
		var tspec map[string]any
		json.Unmarshal(ds.Spec.Template.Metadata, &meta)
		json.Unmarshal(ds.Spec.Template.Spec, &tspec)
		if meta == nil {
			meta = map[string]any{}
		}
		meta["name"], meta["namespace"] = podName, s.ns
		tspec["nodeName"] = p.node
		pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": tspec}
		if err := s.l.k.apply(ctx, s.podPath(p.node), fieldManager, pod); err != nil {
			return fmt.Errorf("pod %s: %w", podName, err)
		}
	}
	if p.proc != nil && p.proc.exited() {
		p.restarts++
		delay := time.Duration(1<<min(p.restarts-1, 3)) * time.Second // 1,2,4,8 s
		p.backoff = time.Now().Add(delay)
		log.Printf("speaker %s exited (%v), restart %d in %s; log: %s", p.node, p.proc.err, p.restarts, delay,
			filepath.Join(s.l.logDir, "speaker-"+p.node+".log"))
		os.Remove(filepath.Join(s.l.pidDir, "speaker-"+p.node+".pid"))
		p.proc, p.ready = nil, false
	}
	if p.proc == nil && !time.Now().Before(p.backoff) {
		c := spec.Containers[0]
		for _, cc := range spec.Containers {
			if cc.Name == "speaker" {
				c = cc
			}
		}
		env := []string{"KUBECONFIG=" + s.kcPath, "METALLB_NAMESPACE=" + s.ns}
		for _, e := range c.Env {
			if strings.HasPrefix(e.Name, "METALLB_ML_") {
				continue // memberlist is not run (see the type's comment)
			}
			v := e.Value
			if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
				switch e.ValueFrom.FieldRef.FieldPath {
				case "spec.nodeName":
					v = p.node
				case "metadata.name":
					v = podName
				case "metadata.namespace":
					v = s.ns
				case "status.hostIP", "status.podIP":
					v = p.ip // hostNetwork: the pod's IP is the node's
				default:
					return fmt.Errorf("env %s: fieldRef %s is not supported by the lab", e.Name, e.ValueFrom.FieldRef.FieldPath)
				}
			}
			env = append(env, e.Name+"="+v)
		}
		args := append([]string{filepath.Join(s.l.bin, "metallb-speaker")}, c.Args...)
		proc, err := startChild("speaker-"+p.node, p.netns, args, env, s.l.logDir, s.l.pidDir)
		if err != nil {
			return err
		}
		p.proc = proc
		log.Printf("speaker %s started (pid %d) in namespace %s, node IP %s", p.node, proc.pid(), p.netns, p.ip)
	}
	ready := p.proc != nil && !p.proc.exited() && s.probe(ctx, p)
	if ready != p.ready {
		log.Printf("speaker %s: ready=%v", p.node, ready)
	}
	p.ready = ready
	key := fmt.Sprintf("%v/%v", p.proc != nil, ready)
	if key != p.statusKey {
		if err := s.syncPodStatus(ctx, p); err != nil {
			return err
		}
		p.statusKey = key
	}
	return nil
}

func (s *speakerKubelet) probe(ctx context.Context, p *speakerPod) bool {
	return probeInNetns(ctx, p.netns, "http://"+p.ip+":7472/metrics")
}

func (s *speakerKubelet) syncPodStatus(ctx context.Context, p *speakerPod) error {
	phase, ready := "Pending", "False"
	if p.proc != nil {
		phase = "Running"
	}
	if p.ready {
		ready = "True"
	}
	now := time.Now().UTC().Format(time.RFC3339)
	st := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "speaker-" + p.node, "namespace": s.ns},
		"status": map[string]any{"phase": phase, "hostIP": p.ip, "podIP": p.ip, "podIPs": []any{map[string]string{"ip": p.ip}},
			"conditions": []any{map[string]any{"type": "Ready", "status": ready, "lastTransitionTime": now}}}}
	return s.l.k.apply(ctx, s.podPath(p.node)+"/status", fieldManager, st)
}

func (s *speakerKubelet) syncDaemonSetStatus(ctx context.Context, ds *daemonSet, desired, ready int) error {
	key := fmt.Sprintf("%d/%d/%d", ds.Metadata.Generation, desired, ready)
	s.dsTick++
	if key == s.lastDS && s.dsTick < 20 {
		return nil
	}
	st := map[string]any{"observedGeneration": ds.Metadata.Generation,
		"desiredNumberScheduled": desired, "currentNumberScheduled": desired, "updatedNumberScheduled": desired,
		"numberMisscheduled": 0, "numberReady": ready, "numberAvailable": ready}
	if desired > ready {
		st["numberUnavailable"] = desired - ready
	}
	obj := map[string]any{"apiVersion": "apps/v1", "kind": "DaemonSet",
		"metadata": map[string]any{"name": "speaker", "namespace": s.ns}, "status": st}
	if err := s.l.k.apply(ctx, "/apis/apps/v1/namespaces/"+s.ns+"/daemonsets/speaker/status", fieldManager, obj); err != nil {
		return fmt.Errorf("daemonset status: %w", err)
	}
	s.lastDS, s.dsTick = key, 0
	return nil
}

func (s *speakerKubelet) report() {
	m := map[string]speakerStatus{}
	for node, p := range s.pods {
		st := speakerStatus{Netns: p.netns, IP: p.ip, Restarts: p.restarts, Phase: "waiting"}
		switch {
		case p.ready:
			st.Phase = "ready"
		case p.proc != nil:
			st.Phase = "running"
		case time.Now().Before(p.backoff):
			st.Phase = "backoff"
		}
		if p.proc != nil && !p.proc.exited() {
			st.PID = p.proc.pid()
		}
		m[node] = st
	}
	s.l.st.Speakers = m
	s.l.writeStatus()
}
