package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki writes what the control plane needs into dir: a CA, the API server's serving cert,
// an admin client cert (group system:masters) and the service-account signing key.
type pki struct {
	dir            string
	ca             *x509.Certificate
	caKey          *ecdsa.PrivateKey
	CAFile         string
	ServerCertFile string
	ServerKeyFile  string
	AdminCertFile  string
	AdminKeyFile   string
	SAKeyFile      string
	SAPubFile      string
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode)
}

func newKey() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

func writeKey(path string, k *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return err
	}
	return writePEM(path, "PRIVATE KEY", der, 0o600)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

func makePKI(dir string, ips []net.IP, dns []string) (*pki, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &pki{dir: dir}
	f := func(n string) string { return filepath.Join(dir, n) }
	p.CAFile, p.ServerCertFile, p.ServerKeyFile = f("ca.crt"), f("apiserver.crt"), f("apiserver.key")
	p.AdminCertFile, p.AdminKeyFile, p.SAKeyFile, p.SAPubFile = f("admin.crt"), f("admin.key"), f("sa.key"), f("sa.pub")

	now := time.Now().Add(-time.Hour)
	caKey, err := newKey()
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "edge-k8s-lab-ca"},
		NotBefore:             now,
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	p.ca, _ = x509.ParseCertificate(caDER)
	p.caKey = caKey
	if err := writePEM(p.CAFile, "CERTIFICATE", caDER, 0o644); err != nil {
		return nil, err
	}
	if err := p.issue(p.ServerCertFile, p.ServerKeyFile, pkix.Name{CommonName: "kube-apiserver"},
		x509.ExtKeyUsageServerAuth, ips, dns); err != nil {
		return nil, err
	}
	if err := p.issue(p.AdminCertFile, p.AdminKeyFile,
		pkix.Name{CommonName: "edge-lab-admin", Organization: []string{"system:masters"}},
		x509.ExtKeyUsageClientAuth, nil, nil); err != nil {
		return nil, err
	}
	saKey, err := newKey()
	if err != nil {
		return nil, err
	}
	if err := writeKey(p.SAKeyFile, saKey); err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	return p, writePEM(p.SAPubFile, "PUBLIC KEY", pub, 0o644)
}

func (p *pki) issue(certFile, keyFile string, subj pkix.Name, usage x509.ExtKeyUsage, ips []net.IP, dns []string) error {
	k, err := newKey()
	if err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour)
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      subj,
		NotBefore:    now,
		NotAfter:     now.Add(5 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  ips,
		DNSNames:     dns,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &k.PublicKey, p.caKey)
	if err != nil {
		return err
	}
	if err := writePEM(certFile, "CERTIFICATE", der, 0o644); err != nil {
		return err
	}
	return writeKey(keyFile, k)
}
