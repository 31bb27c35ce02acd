package dev.tern.core.admin;

import java.util.List;
import java.util.Map;

/** A finished message's events from the event log, oldest first, each as field name to text. */
@FunctionalInterface
public interface MessageHistory {
    List<Map<String, String>> of(String queueId);

    /** No event log to read. */
    MessageHistory NONE = id -> List.of();
}
