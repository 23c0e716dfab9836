// Package aws talks to the lock table (DynamoDB) and the state bucket (S3)
// through narrow interfaces over the AWS SDK, and turns SDK failures into
// one-line errors a person can act on. It fills model's types (Snapshot,
// DigestReport) and imports nothing else of lockwarden's: it does not
// decide what may be written (guard) or how it is shown (ui, cli).
package aws
