package pushtest

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/push"
)

// WatchHeap samples the heap in use every 20 ms until the returned function
// is called; that function stops the sampling and returns the peak in bytes.
func WatchHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		var ms runtime.MemStats
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	return func() uint64 {
		once.Do(func() { close(done); <-stopped })
		return peak.Load()
	}
}

// BenchmarkSend sends n through s from 64 concurrent goroutines (the
// dispatcher's bounded concurrency) after one warm-up send, fails the
// benchmark if any send is not SENT, and reports messages per second and
// the peak heap in use (sender and fake together).
func BenchmarkSend(b *testing.B, s push.Sender, n *push.Notification) {
	if res := s.Send(context.Background(), n); res.Outcome != push.OutcomeSent {
		b.Fatalf("warm-up: got %v %q", res.Outcome, res.Reason)
	}
	peak := WatchHeap()
	b.Cleanup(func() { peak() })
	var failed atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if s.Send(context.Background(), n).Outcome != push.OutcomeSent {
				failed.Add(1)
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d sends failed", failed.Load())
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
}
