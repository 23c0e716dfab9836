package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/lockwarden/lockwarden/internal/testenv"
)

// The README is the page a person lands on: short, and pointing on.
func TestREADMEIsShort(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), "\n"); n > 250 {
		t.Errorf("README.md has %d lines; keep it to 250 and move the rest into docs/", n)
	}
}

// Every relative link in the README and docs/ leads somewhere: the file
// exists, and a #fragment names a heading there (as GitHub makes anchors).
func TestDocLinksResolve(t *testing.T) {
	root := filepath.Join("..", "..")
	files := testenv.MarkdownFiles(t, root)
	checked := 0
	for _, file := range files {
		for _, link := range links(t, file) {
			target, fragment, _ := strings.Cut(link, "#")
			path := file
			if target != "" {
				path = filepath.Join(filepath.Dir(file), filepath.FromSlash(target))
			}
			rel, _ := filepath.Rel(root, file)
			info, err := os.Stat(path)
			if err != nil {
				t.Errorf("%s: %s does not exist", rel, link)
				continue
			}
			checked++
			if fragment == "" || info.IsDir() {
				continue
			}
			if !anchors(t, path)[fragment] {
				t.Errorf("%s: %s: no heading makes #%s", rel, link, fragment)
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d links checked: is the link pattern still right?", checked)
	}
}

var (
	linkPattern = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	inlineCode  = regexp.MustCompile("`[^`]*`")
)

// links are a page's relative links, outside code.
func links(t *testing.T, file string) []string {
	t.Helper()
	var out []string
	for _, line := range prose(t, file) {
		for _, m := range linkPattern.FindAllStringSubmatch(inlineCode.ReplaceAllString(line, ""), -1) {
			if l := m[1]; !strings.Contains(l, "://") && !strings.HasPrefix(l, "mailto:") {
				out = append(out, l)
			}
		}
	}
	return out
}

// prose are a page's lines outside fenced code blocks.
func prose(t *testing.T, file string) []string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fenced := false
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			out = append(out, line)
		}
	}
	return out
}

// anchors are the fragments a page's headings make on GitHub: lower
// case, punctuation but - and _ dropped, spaces as -, a repeat numbered.
func anchors(t *testing.T, file string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	seen := map[string]int{}
	for _, line := range prose(t, file) {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteRune('-')
			}
		}
		slug := b.String()
		if n := seen[slug]; n > 0 {
			out[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}
