package dev.tern.core.admin;

import dev.tern.core.tlspolicy.TlsReports;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/tls-report[?date=YYYY-MM-DD]}: the TLS-RPT aggregate reports (RFC 8460
 * JSON, one per policy domain) of a UTC day so far, today by default; what {@code tern
 * tls-report} prints.
 */
final class TlsReportResource {
    private final AdminContext ctx;

    TlsReportResource(AdminContext ctx) {
        this.ctx = ctx;
    }

    Map<String, Object> get(ApiRequest req) {
        TlsReports reports = ctx.engine().tlsPolicies().reports();
        if (reports == null) throw new ApiException(409, "TLS-RPT is off: set delivery.tls.report.enabled: true");
        LocalDate day;
        try {
            String d = req.param("date", "");
            day = d.isEmpty() ? reports.today() : LocalDate.parse(d);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("date must be YYYY-MM-DD");
        }
        List<Object> out = new ArrayList<>();
        for (String domain : reports.domains(day)) {
            Object r = reports.report(domain, day, day + "." + domain + ".preview");
            if (r != null) out.add(r);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("date", day.toString());
        body.put("reports", out);
        return body;
    }
}
