package dev.tern.core.cli;

import dev.tern.core.compliance.CheckResult;
import dev.tern.core.compliance.DnsQuery;
import dev.tern.core.compliance.SenderCheck;
import dev.tern.core.config.ConfigException;
import dev.tern.core.config.ConfigLoader;
import dev.tern.core.config.HostPort;
import dev.tern.core.config.TernConfig;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tern check sender DOMAIN}: does a sending domain meet the bulk-sender requirements? */
@Command(
        name = "check",
        description = "Deliverability checks.",
        subcommands = {CheckCommand.Sender.class})
public final class CheckCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(
            name = "sender",
            description = "Check DNS for a From domain against Gmail/Yahoo bulk-sender requirements: SPF covers"
                    + " every egress source, DKIM keys published and matching, DMARC policy and alignment,"
                    + " forward-confirmed reverse DNS matching the EHLO name, bounce-domain MX. Exit 0 only"
                    + " when every check passes, 1 when one fails, 2 on a configuration error.")
    static final class Sender implements Callable<Integer> {
        @Parameters(paramLabel = "DOMAIN", description = "the From domain of the mail sent")
        String domain;

        @Option(
                names = "--source",
                paramLabel = "NAME",
                description = "check only this source under delivery.sources (default: every source of the pools)")
        String source;

        @Option(
                names = {"-c", "--config"},
                paramLabel = "FILE",
                description = "configuration file (default: config/tern.yaml)")
        Path config = Path.of("config/tern.yaml");

        @Override
        public Integer call() {
            TernConfig cfg;
            try {
                cfg = ConfigLoader.load(config);
            } catch (ConfigException e) {
                System.err.println("tern check sender: " + e.getMessage());
                return 2;
            }
            List<java.net.InetSocketAddress> servers =
                    cfg.dns().servers().stream().map(HostPort::toSocketAddress).toList();
            DnsQuery dns = new DnsQuery(servers, cfg.dns().timeout());
            List<CheckResult> results = new SenderCheck(cfg, dns).run(domain, source);
            PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8));
            Table t = new Table("CHECK", "RESULT", "DETAIL");
            for (CheckResult r : results) t.row(r.check(), r.passed() ? "pass" : "FAIL", r.detail());
            t.print(out);
            long failed = results.stream().filter(r -> !r.passed()).count();
            out.println();
            if (failed == 0) {
                out.println(domain + ": all " + results.size() + " checks pass");
            } else {
                out.println(domain + ": " + failed + " of " + results.size() + " checks fail. To fix:");
                for (CheckResult r : results) {
                    if (!r.passed()) out.println("  - " + r.check() + ": " + r.fix());
                }
            }
            out.flush();
            return failed == 0 ? 0 : 1;
        }
    }
}
