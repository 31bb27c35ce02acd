package dev.tern.core.config;

import java.util.ArrayList;
import java.util.List;

/** Collects configuration problems, each prefixed with its dotted key path. */
public final class Problems {
    private final List<String> list;
    private final String path;

    public Problems() {
        this(new ArrayList<>(), "");
    }

    private Problems(List<String> list, String path) {
        this.list = list;
        this.path = path;
    }

    /** A view for a nested key. */
    public Problems at(String key) {
        return new Problems(list, join(path, key));
    }

    /** Records a problem with {@code key} (relative to this view). */
    public void add(String key, String message) {
        list.add(join(path, key) + ": " + message);
    }

    /** Records a problem with this view's own key. */
    public void add(String message) {
        list.add((path.isEmpty() ? "(root)" : path) + ": " + message);
    }

    public void require(boolean ok, String key, String message) {
        if (!ok) add(key, message);
    }

    public void min(long value, long min, String key) {
        if (value < min) add(key, "must be >= " + min + " (got " + value + ")");
    }

    public String path() {
        return path;
    }

    public List<String> list() {
        return List.copyOf(list);
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    static String join(String path, String key) {
        if (path.isEmpty()) return key;
        if (key.startsWith("[")) return path + key;
        return path + "." + key;
    }
}
