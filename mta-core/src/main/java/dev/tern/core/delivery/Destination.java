package dev.tern.core.delivery;

import dev.tern.queue.QueueEntry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The ready queue of one destination (an MX site or a static route): entries waiting for a
 * connection, and the count of connections open to it. Guarded by its own monitor.
 */
final class Destination {
  final String key;
  private volatile Route route;
  private final ArrayDeque<QueueEntry> ready = new ArrayDeque<>();
  private int connections;

  Destination(String key, Route route) {
    this.key = key;
    this.route = route;
  }

  Route route() {
    return route;
  }

  void route(Route r) {
    route = r;
  }

  synchronized void add(QueueEntry e) {
    ready.add(e);
  }

  synchronized QueueEntry poll() {
    return ready.poll();
  }

  synchronized List<QueueEntry> drain() {
    List<QueueEntry> all = new ArrayList<>(ready);
    ready.clear();
    return all;
  }

  synchronized int size() {
    return ready.size();
  }

  /** Reserves a connection slot if one more connection is worth opening. */
  synchronized boolean reserveConnection(int max) {
    if (ready.isEmpty() || connections >= max) return false;
    if (connections > 0 && ready.size() <= connections) return false;
    connections++;
    return true;
  }

  synchronized void releaseConnection() {
    connections--;
  }

  synchronized int connections() {
    return connections;
  }
}
