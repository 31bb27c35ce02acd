package dev.tern.bench.soak;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** One scrape of a Prometheus text endpoint, with sums over the series of a metric. */
final class PromScrape {
    private record Series(String name, String labels, double value) {}

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final List<Series> series;

    private PromScrape(List<Series> series) {
        this.series = series;
    }

    static PromScrape fetch(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IOException("GET " + uri + " answered " + r.statusCode());
        return parse(r.body());
    }

    static PromScrape parse(String text) {
        List<Series> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) continue;
            int brace = line.indexOf('{');
            int sp;
            String name;
            String labels = "";
            if (brace >= 0 && brace < line.indexOf(' ')) {
                int close = line.indexOf('}', brace);
                name = line.substring(0, brace);
                labels = line.substring(brace + 1, close);
                sp = close + 1;
            } else {
                sp = line.indexOf(' ');
                name = line.substring(0, sp);
            }
            String rest = line.substring(sp).trim();
            int end = rest.indexOf(' ');
            try {
                out.add(new Series(name, labels, Double.parseDouble(end < 0 ? rest : rest.substring(0, end))));
            } catch (NumberFormatException e) {
                // NaN/Inf spellings other than Java's: skip
            }
        }
        return new PromScrape(out);
    }

    /** Sum of every series of {@code name} whose labels contain all of {@code labelParts}; NaN if none. */
    double sum(String name, String... labelParts) {
        double s = 0;
        boolean any = false;
        outer:
        for (Series x : series) {
            if (!x.name().equals(name)) continue;
            for (String p : labelParts) if (!x.labels().contains(p)) continue outer;
            s += x.value();
            any = true;
        }
        return any ? s : Double.NaN;
    }
}
