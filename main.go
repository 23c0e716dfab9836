// Command lockwarden shows Terraform/OpenTofu S3-backend state locks live and
// releases stale ones safely. See README.md.
package main

import (
	"os"

	"github.com/lockwarden/lockwarden/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
