package main

import (
	"sync"
	"sync/atomic"
	"time"
)

// maxLevel is the highest number of requests in flight told apart; more are counted as maxLevel.
const maxLevel = 32

// inFlight measures how many requests the daemon serves at once, over time: with 8 workers each waiting on one
// request, a mean far below 8 means the requests queue before they reach the daemon (in the kernel's directory
// locks, or in the caller). Together with the time spent per kind, it tells where a request-bound rate is lost.
type inFlight struct {
	mu      sync.Mutex
	current int
	since   time.Time
	levelNs [maxLevel + 1]int64 // wall time spent with exactly i requests in service
	busyNs  []atomic.Int64      // per kind: the sum of each request's time in the daemon (its latency included)
}

func newInFlight(kinds int) *inFlight {
	return &inFlight{since: time.Now(), busyNs: make([]atomic.Int64, kinds)}
}

func (f *inFlight) change(by int) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	f.levelNs[min(f.current, maxLevel)] += int64(now.Sub(f.since))
	f.since = now
	f.current += by
	return now
}

// begin marks a request of kind k entering the daemon; the returned func marks it leaving.
func (f *inFlight) begin(k int) func() {
	started := f.change(1)
	return func() {
		ended := f.change(-1)
		f.busyNs[k].Add(int64(ended.Sub(started)))
	}
}

// levels returns the wall time (ms) spent at each number of requests in flight, up to the highest level seen.
func (f *inFlight) levels() []float64 {
	f.change(0)
	f.mu.Lock()
	defer f.mu.Unlock()
	top := 0
	for i, ns := range f.levelNs {
		if ns > 0 {
			top = i
		}
	}
	out := make([]float64, top+1)
	for i := range out {
		out[i] = float64(f.levelNs[i]) / 1e6
	}
	return out
}

func (f *inFlight) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.levelNs = [maxLevel + 1]int64{}
	f.since = time.Now()
	for i := range f.busyNs {
		f.busyNs[i].Store(0)
	}
}
