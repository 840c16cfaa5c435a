package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

// kube is a tiny Kubernetes API client (net/http + JSON): enough for the supervisor's
// node registration, token requests, server-side apply and reads.
type kube struct {
	base string
	hc   *http.Client
}

func newKube(base string, p *pki) (*kube, error) {
	caPEM, err := os.ReadFile(p.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair(p.AdminCertFile, p.AdminKeyFile)
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}
	return &kube{base: base, hc: &http.Client{Transport: tr, Timeout: 15 * time.Second}}, nil
}

type apiError struct {
	Code int
	Body string
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Code, e.Body) }

func isNotFound(err error) bool {
	ae, ok := err.(*apiError)
	return ok && ae.Code == http.StatusNotFound
}

func (k *kube) do(ctx context.Context, method, path, ctype string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, k.base+path, rd)
	if err != nil {
		return err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return &apiError{Code: resp.StatusCode, Body: string(b)}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (k *kube) get(ctx context.Context, path string, out any) error {
	return k.do(ctx, http.MethodGet, path, "", nil, out)
}

// apply is a server-side apply (the body is JSON, which is valid YAML).
func (k *kube) apply(ctx context.Context, path, manager string, obj any) error {
	q := url.Values{"fieldManager": {manager}, "force": {"true"}}
	return k.do(ctx, http.MethodPatch, path+"?"+q.Encode(), "application/apply-patch+yaml", obj, nil)
}

func (k *kube) delete(ctx context.Context, path string) error {
	err := k.do(ctx, http.MethodDelete, path, "", nil, nil)
	if isNotFound(err) {
		return nil
	}
	return err
}

func (k *kube) post(ctx context.Context, path string, obj, out any) error {
	return k.do(ctx, http.MethodPost, path, "application/json", obj, out)
}

// kubeconfig renders a self-contained kubeconfig (certificates embedded).
func kubeconfig(server string, caFile string, certFile, keyFile, token string) ([]byte, error) {
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	user := map[string]any{}
	if token != "" {
		user["token"] = token
	} else {
		c, err := os.ReadFile(certFile)
		if err != nil {
			return nil, err
		}
		kk, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, err
		}
		user["client-certificate-data"] = base64.StdEncoding.EncodeToString(c)
		user["client-key-data"] = base64.StdEncoding.EncodeToString(kk)
	}
	cfg := map[string]any{
		"apiVersion": "v1",
		"kind":       "Config",
		"clusters": []any{map[string]any{"name": "edge-lab", "cluster": map[string]any{
			"server": server, "certificate-authority-data": base64.StdEncoding.EncodeToString(ca)}}},
		"users":           []any{map[string]any{"name": "edge-lab", "user": user}},
		"contexts":        []any{map[string]any{"name": "edge-lab", "context": map[string]any{"cluster": "edge-lab", "user": "edge-lab"}}},
		"current-context": "edge-lab",
	}
	// JSON is valid YAML; every kubeconfig loader (client-go, client-java, kubectl) reads it.
	return json.MarshalIndent(cfg, "", "  ")
}
