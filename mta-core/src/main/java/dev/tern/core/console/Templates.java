package dev.tern.core.console;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The console's Mustache templates (classpath {@code dev/tern/core/console/templates}), compiled
 * once. {@code {{name}}} HTML-escapes every value (&amp;, &lt;, &gt;, quotes, backtick, =); the
 * templates never use the unescaped forms.
 */
final class Templates {
    static final List<String> PAGES =
            List.of("login", "overview", "destinations", "campaigns", "messages", "suppressions", "error");

    private final DefaultMustacheFactory factory = new DefaultMustacheFactory("dev/tern/core/console/templates");
    private final Map<String, Mustache> compiled = new ConcurrentHashMap<>();

    Templates() {
        for (String p : PAGES) compiled.put(p, factory.compile(p + ".mustache"));
    }

    String render(String page, Map<String, Object> scope) {
        Mustache m = compiled.get(page);
        if (m == null) throw new IllegalArgumentException("no template " + page);
        StringWriter w = new StringWriter();
        m.execute(w, scope);
        return w.toString();
    }
}
