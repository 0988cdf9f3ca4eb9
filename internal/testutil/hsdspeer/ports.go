package hsdspeer

import (
	"os"
	"time"

	"github.com/hsfan/hsfan/internal/peerport"
)

// The candidate service ports (package peerport, shared with `hsfan bench`).
const (
	portLo   = peerport.Lo
	portHi   = peerport.Hi
	portStep = peerport.Step
)

// claimPort claims a peer port (peerport.Claim), waiting up to 5 minutes when all are taken.
func claimPort() (int, *os.File, error) { return peerport.Claim(5 * time.Minute) }

// portsFree reports whether nothing listens on 127.0.0.1 at port and port+1000..port+1003.
func portsFree(port int) bool { return peerport.Free(port) }
