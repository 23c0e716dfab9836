package model

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// This file is the UI's filter: a query of words, each found in an
// entry's fields, ignoring case.

// Matches reports whether the entry matches query as the UI's filter
// reads it (see ParseQuery and Query.Matches). An empty query matches
// everything.
func (e Entry) Matches(query string) bool {
	return ParseQuery(query).Matches(&e, "")
}

// Query is a parsed filter: the words typed, lowercased. An entry matches
// when every word is found in one of its fields, so "prod apply" finds the
// applies on prod states, and the spaces a triple-click copy adds around
// a pasted path mean nothing.
type Query struct {
	words []string
}

// ParseQuery splits s into words at white space, dropping leading and
// trailing space, and lowercases them: matching ignores case.
func ParseQuery(s string) Query {
	return Query{words: strings.Fields(strings.ToLower(s))}
}

// Empty reports whether the query has no word; it then matches everything.
func (q Query) Empty() bool { return len(q.words) == 0 }

// String is the query as matched: its words, lowercased, one space apart.
func (q Query) String() string { return strings.Join(q.words, " ") }

// Narrows reports whether everything q matches is also matched by wider:
// each word of wider is part of a word of q. Typing on at the end of a
// query narrows it, so the UI filters the rows it has instead of all.
func (q Query) Narrows(wider Query) bool {
	for _, w := range wider.words {
		if !slices.ContainsFunc(q.words, func(x string) bool { return strings.Contains(x, w) }) {
			return false
		}
	}
	return true
}

// Matches reports whether every word of q is found, ignoring case, in the
// entry's state path (LockID), holder, operation (as stored or as a
// word), holder lock ID or problem, or in context: the name of the
// context the entry was read in.
func (q Query) Matches(e *Entry, context string) bool {
	for _, w := range q.words {
		if !containsFold(context, w) && !e.hasWord(w) {
			return false
		}
	}
	return true
}

// hasWord reports whether one of the searched fields contains the
// lowercase word w. The cheap, likely fields come first.
func (e *Entry) hasWord(w string) bool {
	return containsFold(e.LockID, w) || containsFold(e.Info.Who, w) || containsFold(e.Info.Operation, w) ||
		containsFold(e.Info.ID, w) || containsFold(e.Problem, w) ||
		(e.Info.Operation != "" && containsFold(OperationWord(e.Info.Operation), w))
}

// containsFold reports whether s contains the lowercase sub, ignoring the
// case of s, without allocating for ASCII text: the filter runs over
// every entry on every keystroke. Most fields (paths, holders, IDs) are
// lowercase already, so a plain search goes first; only a field with an
// upper-case or non-ASCII letter is folded.
func containsFold(s, sub string) bool {
	if strings.Contains(s, sub) {
		return true
	}
	folded := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), sub)
		} else if 'A' <= c && c <= 'Z' {
			folded = true
		}
	}
	if !folded || sub == "" {
		return false
	}
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n && lowerASCII(s[i+j]) == sub[j] {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Filter returns the entries that match query, in their order. It does not
// modify entries.
func Filter(entries []Entry, query string) []Entry {
	q := ParseQuery(query)
	if q.Empty() {
		return entries
	}
	out := make([]Entry, 0, len(entries))
	for i := range entries {
		if q.Matches(&entries[i], "") {
			out = append(out, entries[i])
		}
	}
	return out
}
