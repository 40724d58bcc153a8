package auth_test

import (
	"net"

	"github.com/pimmail/pimmail/secret"
)

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

func secretOf(v string) secret.Secret { return secret.New(v) }
