module github.com/lockwarden/lockwarden

go 1.26.8
