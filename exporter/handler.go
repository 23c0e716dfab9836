package exporter

import (
	"fmt"
	"html"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves c's metrics on path (/metrics by default), beside the
// exporter's own Go and process metrics, and at / the landing page every
// Prometheus exporter has, linking to them and naming the contexts.
// errorf logs what a scrape could not gather; the rest of the scrape is
// still served.
func Handler(c *Collector, path, version string, errorf func(format string, args ...any)) (http.Handler, error) {
	reg := prometheus.NewRegistry()
	for _, col := range []prometheus.Collector{c, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(col); err != nil {
			return nil, err
		}
	}
	mux := http.NewServeMux()
	mux.Handle(path, promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      printer(errorf),
		ErrorHandling: promhttp.ContinueOnError,
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>lockwarden exporter</title><h1>lockwarden exporter</h1><p>%s · Terraform state locks of %d %s, read-only: <a href=\"%s\">Metrics</a>.</p>\n<ul>\n",
			html.EscapeString(version), len(c.targets), pluralContexts(len(c.targets)), html.EscapeString(strings.TrimPrefix(path, "/")))
		for _, t := range c.targets {
			fmt.Fprintf(w, "<li>%s</li>\n", html.EscapeString(t.Context))
		}
		fmt.Fprintln(w, "</ul>")
	})
	return mux, nil
}

func pluralContexts(n int) string {
	if n == 1 {
		return "context"
	}
	return "contexts"
}

// printer adapts a logf to promhttp's Logger.
type printer func(format string, args ...any)

func (p printer) Println(v ...any) { p("%s", fmt.Sprint(v...)) }
