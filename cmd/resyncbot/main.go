// Command resyncbot is a ChatOps bot that makes full re-synchronisations of
// a search-backed application's Elasticsearch indexes safe: see DESIGN.md.
//
//	resyncbot [--log-format json|console] [--log-level LEVEL] <command> [flags]
//
// Run "resyncbot help" for the commands.
package main

import (
	"context"
	"os"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	os.Exit(exitStatus(err))
}
