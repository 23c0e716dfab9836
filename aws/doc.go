// Package aws talks to the lock table (DynamoDB) and the state bucket (S3)
// through narrow interfaces over the AWS SDK, and turns SDK failures into
// one-line errors a person can act on.
package aws
