package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"path/filepath"
	"sync"
	"time"

	"github.com/pimmail/pimmail/secfile"
)

// ephemeral is the token-signing key every sandbox without a StateDir in
// this process uses. Generating a 2048-bit RSA key is what made Start slow
// (~80 ms, ~400 ms under -race); each sandbox still gets its own CA, so
// clients of one sandbox do not trust another. Sharing the signing key is
// like one Entra signing for many tenants: a token from one ephemeral
// sandbox verifies at another in the same process.
var ephemeral struct {
	once sync.Once
	key  *rsa.PrivateKey
	err  error
}

// signingKeyFor returns the shared ephemeral key when nothing is persisted,
// a fresh key when it will be saved in StateDir.
func signingKeyFor(statePath string) (*rsa.PrivateKey, error) {
	if statePath != "" {
		return rsa.GenerateKey(rand.Reader, 2048)
	}
	ephemeral.once.Do(func() { ephemeral.key, ephemeral.err = rsa.GenerateKey(rand.Reader, 2048) })
	return ephemeral.key, ephemeral.err
}

// keyState is what StateDir keeps so that tokens and the CA survive a restart.
type keyState struct {
	CAKeyPEM      string `json:"caKey"`
	CACertPEM     string `json:"caCert"`
	SigningKeyPEM string `json:"signingKey"`
}

// loadOrCreateKeys fills the CA, the server TLS config and the signing key,
// from StateDir when it holds them, freshly otherwise (and saved there).
func (s *Sandbox) loadOrCreateKeys() error {
	var st keyState
	statePath := ""
	if s.opts.StateDir != "" {
		statePath = filepath.Join(s.opts.StateDir, "keys.json")
		b, err := secfile.ReadFile(statePath)
		switch {
		case err == nil:
			if err := json.Unmarshal(b, &st); err != nil {
				return fmt.Errorf("sandbox state %s is corrupt (delete it to start afresh): %w", statePath, err)
			}
		case errors.Is(err, fs.ErrNotExist):
		default:
			return err
		}
	}
	if st.CAKeyPEM == "" {
		caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(time.Now().UnixNano()),
			Subject:               pkix.Name{CommonName: "pimmail sandbox CA", Organization: []string{"pimmail sandbox"}},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().AddDate(5, 0, 0),
			IsCA:                  true,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			BasicConstraintsValid: true,
			MaxPathLenZero:        true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &caKey.PublicKey, caKey)
		if err != nil {
			return err
		}
		kb, err := x509.MarshalECPrivateKey(caKey)
		if err != nil {
			return err
		}
		st.CAKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
		st.CACertPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
		sk, err := signingKeyFor(statePath)
		if err != nil {
			return err
		}
		st.SigningKeyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(sk)}))
		if statePath != "" {
			b, _ := json.MarshalIndent(st, "", "  ")
			if err := secfile.WriteFile(statePath, b); err != nil {
				return err
			}
		}
	}
	caKeyBlock, _ := pem.Decode([]byte(st.CAKeyPEM))
	caCertBlock, _ := pem.Decode([]byte(st.CACertPEM))
	skBlock, _ := pem.Decode([]byte(st.SigningKeyPEM))
	if caKeyBlock == nil || caCertBlock == nil || skBlock == nil {
		return fmt.Errorf("sandbox state %s is corrupt (delete it to start afresh)", statePath)
	}
	caKey, err := x509.ParseECPrivateKey(caKeyBlock.Bytes)
	if err != nil {
		return err
	}
	caCert, err := x509.ParseCertificate(caCertBlock.Bytes)
	if err != nil {
		return err
	}
	sk, err := x509.ParsePKCS1PrivateKey(skBlock.Bytes)
	if err != nil {
		return err
	}
	s.caCert, s.caPEM, s.signingKey = caCert, []byte(st.CACertPEM), sk
	sum := sha256.Sum256(x509.MarshalPKCS1PublicKey(&sk.PublicKey))
	s.keyID = base64.RawURLEncoding.EncodeToString(sum[:15])

	// A fresh leaf each start: it names 127.0.0.1 and localhost, as the
	// stand-ins listen there, and is signed by the (possibly persisted) CA.
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano() + 1),
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"pimmail sandbox"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	s.serverTLS = &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER, caCert.Raw}, PrivateKey: leafKey}},
	}
	return nil
}
