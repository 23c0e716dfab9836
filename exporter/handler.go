package exporter

import (
	"fmt"
	"html"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves c's metrics on /metrics, beside the exporter's own Go
// and process metrics, and a page at / that links to them. errorf logs
// what a scrape could not gather; the rest of the scrape is still served.
func Handler(c *Collector, errorf func(format string, args ...any)) (http.Handler, error) {
	reg := prometheus.NewRegistry()
	for _, col := range []prometheus.Collector{c, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(col); err != nil {
			return nil, err
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      printer(errorf),
		ErrorHandling: promhttp.ContinueOnError,
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>lockwarden exporter</title><h1>lockwarden exporter</h1><p>Terraform state locks of %d context(s): <a href=\"metrics\">metrics</a>.</p>\n",
			len(c.targets))
		for _, t := range c.targets {
			fmt.Fprintf(w, "<p>%s</p>\n", html.EscapeString(t.Context))
		}
	})
	return mux, nil
}

// printer adapts a logf to promhttp's Logger.
type printer func(format string, args ...any)

func (p printer) Println(v ...any) { p("%s", fmt.Sprint(v...)) }
