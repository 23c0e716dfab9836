// Package config resolves what one run of lockwarden works on: the
// config file (read strictly: an unknown key, a boolean it cannot read
// for sure, a LOCKWARDEN_* variable it would ignore is an error, never a
// default), the flags every command shares, and the LOCKWARDEN_*
// variables, into one Settings per context. Each setting is resolved by
// one precedence — a flag, then its variable, then the context's value,
// then the file's (resolver.pick) — and a fleet (--context a,b,
// --all-contexts) is each context resolved on its own, marks checked to
// be told apart. It also builds the command a user is told to copy
// (Settings.CopyArgs).
//
// config reads files and the environment but touches no AWS service: it
// imports model, sanitize, aws (for bucket names and the connection's
// types) and audit (for the default log's path), and never cli or ui.
// Its refusals are UsageErrors (exit code 2), one line each.
package config
