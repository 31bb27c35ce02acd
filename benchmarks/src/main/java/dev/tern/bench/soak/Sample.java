package dev.tern.bench.soak;

/**
 * One soak sample (every ~10 s). Counts are cumulative since the soak phase began (recipients; one
 * recipient per message); latencies are of the deliveries logged during the interval.
 *
 * @param seconds          seconds since the soak phase began
 * @param phase            "soak" while injecting, "drain" afterwards
 * @param injectRate       messages accepted by Tern per second during the interval
 * @param injected         messages Tern accepted (250 after DATA), counted by the injector
 * @param delivered        distinct recipients the sink accepted
 * @param bounced          Tern's bounced recipients (tern_messages_bounced_total)
 * @param deferred         Tern's transient failures (tern_messages_deferred_total)
 * @param queued           queue entries in Tern's spool (tern_spool_entries; one recipient each here)
 * @param heapUsedMiB      heap in use at the scrape (jvm_memory_used_bytes, area heap)
 * @param heapAfterGcMiB   smallest heap occupancy after a collection during the interval (from the
 *                         -Xlog:gc file), NaN if no collection ran in it
 * @param liveHeapMiB      live data after the last major GC (jvm_gc_live_data_size_bytes), NaN if absent
 * @param rssMiB           resident set size of Tern's JVM (VmRSS)
 * @param p50Ms            p50 reception-to-delivery of first-attempt deliveries in the interval
 * @param p99Ms            p99 of the same
 * @param retriedDelivered deliveries in the interval that had a transient failure first
 * @param retriedP50Ms     their p50 (includes the retry delay)
 */
record Sample(
        double seconds,
        String phase,
        double injectRate,
        long injected,
        long delivered,
        long bounced,
        long deferred,
        long queued,
        double heapUsedMiB,
        double heapAfterGcMiB,
        double liveHeapMiB,
        double rssMiB,
        double p50Ms,
        double p99Ms,
        long retriedDelivered,
        double retriedP50Ms) {}
