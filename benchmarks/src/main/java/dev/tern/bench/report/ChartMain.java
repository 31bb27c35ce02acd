package dev.tern.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.imageio.ImageIO;

/**
 * Draws the relay benchmark's PNG chart from its results file (JSON lines written by
 * {@code benchmarks/relay/table.py --jsonl}): end-to-end throughput (messages per second) of the
 * raw loopback limit, each Tern configuration and Postfix, one panel per message size, bars
 * grouped by concurrent sessions, each bar labelled with its value. Plain Java2D and ImageIO.
 *
 * <pre>bench main dev.tern.bench.report.ChartMain RESULTS.jsonl OUT.png</pre>
 */
public final class ChartMain {
    /** Series in drawing order: result name, legend label, colour. */
    private record Series(String name, String label, Color color) {}

    private static final List<Series> SERIES = List.of(
            new Series("raw-limit", "raw limit (smtp-source -> smtp-sink)", new Color(0x9e9e9e)),
            new Series("tern-relay-ed25519", "Tern, synced, Ed25519", new Color(0x1f77b4)),
            new Series("tern-relay-rsa2048", "Tern, synced, RSA-2048", new Color(0x6baed6)),
            new Series("tern-relay-ed25519-UNSYNCED", "Tern, UNSYNCED, Ed25519", new Color(0x2ca02c)),
            new Series("tern-relay-none", "Tern, synced, no DKIM", new Color(0x17becf)),
            new Series("tern-relay-ed25519-javasink", "Tern, Ed25519, Java sink, plain", new Color(0x9467bd)),
            new Series("tern-relay-ed25519-javasink-tls", "Tern, Ed25519, Java sink, STARTTLS", new Color(0xc5b0d5)),
            new Series("postfix-relay", "Postfix (fsync, no DKIM)", new Color(0xd62728)));

    private static final int PANEL_W = 560;
    private static final int H = 600;
    private static final int TOP = 104;
    private static final int BOTTOM = 120;
    private static final int LEFT = 80;

    private ChartMain() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: ChartMain RESULTS.jsonl OUT.png");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        ObjectMapper json = new ObjectMapper();
        JsonNode run = null;
        int disturbed = 0;
        // size -> sessions -> series name -> rate
        Map<Integer, Map<Integer, Map<String, Double>>> rates = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            if (line.isBlank()) continue;
            JsonNode n = json.readTree(line);
            if (n.path("type").asText().equals("run")) run = n;
            if (!n.path("type").asText().equals("result")
                    || !n.path("rate").isNumber()
                    || n.path("rate").asDouble() <= 0) continue;
            String name = n.path("name").asText();
            if (n.path("status").asText("").startsWith("DISTURBED")) disturbed++;
            if (SERIES.stream().noneMatch(s -> s.name().equals(name))) continue;
            rates.computeIfAbsent(n.path("size").asInt(), k -> new TreeMap<>())
                    .computeIfAbsent(n.path("sessions").asInt(), k -> new LinkedHashMap<>())
                    .put(name, n.path("rate").asDouble());
        }
        if (rates.isEmpty()) {
            System.err.println("ChartMain: no throughput results in " + args[0]);
            System.exit(1);
        }
        List<Series> present = SERIES.stream()
                .filter(s -> rates.values().stream()
                        .anyMatch(m -> m.values().stream().anyMatch(r -> r.containsKey(s.name()))))
                .toList();
        BufferedImage img = draw(rates, present, run, disturbed);
        Path out = Path.of(args[1]);
        ImageIO.write(img, "png", out.toFile());
        System.out.println("chart: " + out);
    }

    private static BufferedImage draw(
            Map<Integer, Map<Integer, Map<String, Double>>> rates, List<Series> series, JsonNode run, int disturbed) {
        int w = Math.max(900, PANEL_W * rates.size() + 40);
        BufferedImage img = new BufferedImage(w, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString("End-to-end relay throughput on loopback (messages/s, higher is better)", 20, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        if (run != null) {
            String sub =
                    run.path("date").asText("") + "  " + run.path("machine").asText("")
                            + (run.path("quick").asBoolean(false)
                                    ? "  QUICK smoke run (1 short run per bar: not a measurement)"
                                    : "");
            g.drawString(sub, 20, 50);
            g.drawString(
                    "Tern " + run.path("tern").asText("") + "; median of "
                            + run.path("runs").asText("?")
                            + " run(s) per bar; load generator, MTA and sink share the same cores",
                    20,
                    66);
            if (disturbed > 0) {
                g.setColor(new Color(0xb00000));
                g.drawString(disturbed + " bar(s) DISTURBED: other processes used CPU during the run", 20, 82);
                g.setColor(Color.BLACK);
            }
        }
        int x0 = 20;
        for (var e : rates.entrySet()) {
            panel(g, x0, e.getKey(), e.getValue(), series);
            x0 += PANEL_W;
        }
        legend(g, series, 20, H - 35, w);
        g.dispose();
        return img;
    }

    private static void panel(
            Graphics2D g, int x0, int size, Map<Integer, Map<String, Double>> bySessions, List<Series> series) {
        int plotX = x0 + LEFT;
        int plotW = PANEL_W - LEFT - 30;
        int plotTop = TOP + 20;
        int plotH = H - TOP - BOTTOM - 20;
        double max = bySessions.values().stream()
                .flatMap(m -> m.values().stream())
                .mapToDouble(Double::doubleValue)
                .max()
                .orElse(1);
        double step = niceStep(max / 5);
        double top = Math.ceil(max * 1.08 / step) * step;
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.setColor(Color.BLACK);
        g.drawString(label(size) + " messages", plotX, TOP + 5);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        FontMetrics fm = g.getFontMetrics();
        for (double v = 0; v <= top + 1e-9; v += step) {
            int y = plotTop + plotH - (int) Math.round(v / top * plotH);
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(plotX, y, plotX + plotW, y);
            g.setColor(Color.DARK_GRAY);
            String t = String.format(Locale.ROOT, "%,.0f", v);
            g.drawString(t, plotX - 6 - fm.stringWidth(t), y + 4);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1));
        g.drawLine(plotX, plotTop + plotH, plotX + plotW, plotTop + plotH);
        g.drawLine(plotX, plotTop, plotX, plotTop + plotH);
        List<Integer> sessions = new ArrayList<>(new TreeSet<>(bySessions.keySet()));
        int groupW = plotW / sessions.size();
        for (int gi = 0; gi < sessions.size(); gi++) {
            Map<String, Double> r = bySessions.get(sessions.get(gi));
            List<Series> here =
                    series.stream().filter(s -> r.containsKey(s.name())).toList();
            int barW = Math.min(60, (groupW - 30) / Math.max(1, here.size()));
            int gx = plotX + gi * groupW + (groupW - barW * here.size()) / 2;
            for (int bi = 0; bi < here.size(); bi++) {
                double v = r.get(here.get(bi).name());
                int bh = (int) Math.round(v / top * plotH);
                int bx = gx + bi * barW;
                g.setColor(here.get(bi).color());
                g.fillRect(bx + 2, plotTop + plotH - bh, barW - 4, bh);
                g.setColor(Color.BLACK);
                String t = String.format(Locale.ROOT, "%,.0f", v);
                g.drawString(t, bx + (barW - fm.stringWidth(t)) / 2, plotTop + plotH - bh - 4);
            }
            g.setColor(Color.BLACK);
            String t = sessions.get(gi) + " sessions";
            g.drawString(t, plotX + gi * groupW + (groupW - fm.stringWidth(t)) / 2, plotTop + plotH + 18);
            Double tern = r.get("tern-relay-ed25519");
            Double raw = r.get("raw-limit");
            Double postfix = r.get("postfix-relay");
            List<String> ratios = new ArrayList<>();
            if (tern != null && postfix != null)
                ratios.add(String.format(Locale.ROOT, "Tern/Postfix %.2fx", tern / postfix));
            if (tern != null && raw != null)
                ratios.add(String.format(Locale.ROOT, "Tern/raw %.0f%%", 100 * tern / raw));
            if (!ratios.isEmpty()) {
                String rt = String.join(", ", ratios);
                g.setColor(Color.DARK_GRAY);
                g.drawString(rt, plotX + gi * groupW + (groupW - fm.stringWidth(rt)) / 2, plotTop + plotH + 34);
            }
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        Graphics2D r = (Graphics2D) g.create();
        r.rotate(-Math.PI / 2);
        r.drawString("messages/s", -(plotTop + plotH / 2 + 30), x0 + 18);
        r.dispose();
    }

    private static void legend(Graphics2D g, List<Series> series, int x, int y, int width) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        int cx = x;
        int cy = y;
        for (Series s : series) {
            int itemW = 22 + fm.stringWidth(s.label()) + 24;
            if (cx + itemW > width - 10) {
                cx = x;
                cy += 20;
            }
            g.setColor(s.color());
            g.fillRect(cx, cy - 11, 14, 14);
            g.setColor(Color.BLACK);
            g.drawString(s.label(), cx + 20, cy);
            cx += itemW;
        }
    }

    private static String label(int size) {
        return size >= 1024 ? Math.round(size / 1024.0) + " KB" : size + " B";
    }

    private static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= raw) return m * p;
        }
        return 10 * p;
    }
}
