// updater-verify: how an updater checks a release-signing certificate against the pinned
// rootkey root, offline, with Go's standard library only (docs/customer-verification.md).
//
// Build it with the root's fingerprint compiled in (SHA-256 of the root's
// SubjectPublicKeyInfo, 64 hex digits, as rootkey prints it after "SHA256:"):
//
//	go build -ldflags "-X main.rootSPKISHA256=<hex>" -o updater-verify .
//
// Run it:
//
//	updater-verify -root root.pem -intermediates chain.pem [-crl root.crl] [-at TIME] leaf.pem
//
// Exit codes as rootkey's: 0 accepted, 1 bad input, 2 usage, 3 rejected.
package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

// rootSPKISHA256 is the pin, set at build time with -ldflags "-X main.rootSPKISHA256=...".
var rootSPKISHA256 string

// oidIssuingDistributionPoint is the CRL extension that a root CRL may carry, critical, to
// say that it lists CA certificates only (RFC 5280 §5.2.5).
const oidIssuingDistributionPoint = "2.5.29.28"

// failure is an error with the exit code it ends the program with.
type failure struct {
	code int
	err  error
}

func (f *failure) Error() string { return f.err.Error() }

func badInput(format string, a ...any) error { return &failure{1, fmt.Errorf(format, a...)} }
func usage(format string, a ...any) error    { return &failure{2, fmt.Errorf(format, a...)} }
func rejected(format string, a ...any) error { return &failure{3, fmt.Errorf(format, a...)} }

func main() {
	if err := run(); err != nil {
		code := 1
		var f *failure
		if errors.As(err, &f) {
			code = f.code
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(code)
	}
}

func run() error {
	rootPath := flag.String("root", "", "the root certificate (PEM)")
	interPath := flag.String("intermediates", "", "the intermediate certificates (PEM, one or more)")
	crlPath := flag.String("crl", "", "the root's CRL (DER or PEM); without it, revocation is not checked")
	at := flag.String("at", "", "verification time, RFC 3339 (default: now)")
	flag.Parse()
	if *rootPath == "" || *interPath == "" || flag.NArg() != 1 {
		return usage("usage: updater-verify -root root.pem -intermediates chain.pem [-crl root.crl] [-at TIME] leaf.pem")
	}
	now := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return usage("-at %q: %v", *at, err)
		}
		now = t
	}
	root, err := pinnedRoot(*rootPath)
	if err != nil {
		return err
	}
	intermediates, err := readCerts(*interPath)
	if err != nil {
		return err
	}
	leaf, err := readCerts(flag.Arg(0))
	if err != nil {
		return err
	}
	if len(leaf) != 1 {
		return badInput("%s: expected one certificate, found %d", flag.Arg(0), len(leaf))
	}
	var revoked map[string]bool
	if *crlPath != "" {
		if revoked, err = rootCRL(*crlPath, root, now); err != nil {
			return err
		}
	}
	via, err := verify(root, intermediates, revoked, leaf[0], now)
	if err != nil {
		return err
	}
	fmt.Printf("OK: %s via %s\n", leaf[0].Subject, via.Subject)
	return nil
}

// verify checks leaf up to root at now, through one of intermediates, for code signing; with
// a CRL (revoked, from rootCRL), the intermediate must not be on it. It returns the
// intermediate of the accepted chain.
func verify(root *x509.Certificate, intermediates []*x509.Certificate, revoked map[string]bool,
	leaf *x509.Certificate, now time.Time) (*x509.Certificate, error) {
	roots := x509.NewCertPool()
	roots.AddCert(root)
	pool := x509.NewCertPool()
	for _, c := range intermediates {
		pool.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: pool,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	})
	if err != nil {
		return nil, rejected("REJECTED: %s: %v", leaf.Subject, err)
	}
	// Go checks no CRL itself: each chain is leaf, intermediate, root; the intermediate is
	// the certificate the root's CRL speaks about (the leaf is on Vault's CRL, if anywhere).
	for _, chain := range chains {
		if len(chain) == 3 && !revoked[chain[1].SerialNumber.String()] {
			return chain[1], nil
		}
	}
	return nil, rejected("REJECTED: %s: its intermediate %s (serial %s) is revoked by the root's CRL",
		leaf.Subject, chains[0][1].Subject, serialHex(chains[0][1]))
}

// serialHex shows a serial number as openssl does (upper-case hex, an even number of digits).
func serialHex(c *x509.Certificate) string {
	s := fmt.Sprintf("%X", c.SerialNumber)
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}

// pinnedRoot reads the root certificate and accepts it only if its key is the pinned one and
// it is correctly self-signed (Go does not check a root's own signature).
func pinnedRoot(path string) (*x509.Certificate, error) {
	if len(rootSPKISHA256) != 64 {
		return nil, usage("no root pin compiled in: build with -ldflags \"-X main.rootSPKISHA256=<64 hex digits>\"")
	}
	certs, err := readCerts(path)
	if err != nil {
		return nil, err
	}
	if len(certs) != 1 {
		return nil, badInput("%s: expected one certificate, found %d", path, len(certs))
	}
	root := certs[0]
	sum := sha256.Sum256(root.RawSubjectPublicKeyInfo)
	if hex.EncodeToString(sum[:]) != strings.ToLower(rootSPKISHA256) {
		return nil, rejected("REJECTED: %s is not the pinned root (its key is SHA256:%x)", path, sum)
	}
	if err := root.CheckSignatureFrom(root); err != nil {
		return nil, rejected("REJECTED: %s: the root's self-signature does not verify: %v", path, err)
	}
	return root, nil
}

// rootCRL reads the root's CRL and returns the serials it revokes, after checking that the
// root issued and signed it, that it is current at now and has no critical extension this
// program does not understand.
func rootCRL(path string, root *x509.Certificate, now time.Time) (map[string]bool, error) {
	der, err := os.ReadFile(path)
	if err != nil {
		return nil, badInput("%v", err)
	}
	if b, _ := pem.Decode(der); b != nil {
		if b.Type != "X509 CRL" {
			return nil, badInput("%s: a PEM %q block, expected X509 CRL", path, b.Type)
		}
		der = b.Bytes
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, badInput("%s: %v", path, err)
	}
	if !bytes.Equal(crl.RawIssuer, root.RawSubject) {
		return nil, rejected("REJECTED: %s was not issued by the root", path)
	}
	if err := crl.CheckSignatureFrom(root); err != nil {
		return nil, rejected("REJECTED: %s: its signature does not verify under the root: %v", path, err)
	}
	if now.Before(crl.ThisUpdate) || now.After(crl.NextUpdate) {
		return nil, rejected("REJECTED: %s is not current at %s (next update %s): fetch the latest root.crl",
			path, now.UTC().Format(time.RFC3339), crl.NextUpdate.UTC().Format(time.RFC3339))
	}
	for _, ext := range crl.Extensions {
		if ext.Critical && ext.Id.String() != oidIssuingDistributionPoint {
			return nil, rejected("REJECTED: %s has an unknown critical extension %s", path, ext.Id)
		}
	}
	revoked := map[string]bool{}
	for _, rc := range crl.RevokedCertificates {
		revoked[rc.SerialNumber.String()] = true
	}
	return revoked, nil
}

// readCerts reads the PEM CERTIFICATE blocks of a file; anything else in it is refused.
func readCerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, badInput("%v", err)
	}
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return nil, badInput("%s: a PEM %q block, expected CERTIFICATE", path, b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, badInput("%s: %v", path, err)
		}
		certs = append(certs, c)
	}
	if len(bytes.TrimSpace(data)) != 0 || len(certs) == 0 {
		return nil, badInput("%s: not a PEM certificate file", path)
	}
	return certs, nil
}
