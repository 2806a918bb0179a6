package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is the release this binary was built from, set at build time:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/resyncbot
//
// It is the program's one package-level variable, because -X can set nothing
// else; read it only through currentBuild.
var version string

// defaultVersion names a build that was given no version.
const defaultVersion = "dev"

// build describes this binary.
type build struct {
	Version string
	Go      string
}

// currentBuild returns the -X version, else the module version the go
// command recorded (go install …@v1.2.3), else "dev".
func currentBuild() build {
	v := version
	if v == "" {
		v = defaultVersion
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return build{Version: v, Go: runtime.Version()}
}

// String is the line "resyncbot version" prints.
func (b build) String() string {
	return fmt.Sprintf("resyncbot %s (%s)", b.Version, b.Go)
}

func runVersion(_ context.Context, args []string, e *env) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: resyncbot version\n\nPrints the version of resyncbot and of Go it was built with.\n")
	}
	if help, err := parseFlags(fs, args, e); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("version takes no arguments")
	}
	_, err := fmt.Fprintln(e.stdout, currentBuild())
	return err
}
