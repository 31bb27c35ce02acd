package dev.tern.core.admin;

import dev.tern.core.config.ConfigException;
import dev.tern.core.reload.ReloadReport;

/**
 * {@code POST /api/v1/reload}: the server's one reload ({@link dev.tern.core.reload.Reloader},
 * also run by SIGHUP): reads the configuration file Tern was started with again, applies what can
 * change at run time and reports every section as applied, unchanged or needs restart. A file
 * with problems changes nothing (400 with every problem).
 */
final class ReloadResource {
    private final AdminContext ctx;

    ReloadResource(AdminContext ctx) {
        this.ctx = ctx;
    }

    ReloadReport reload() {
        if (ctx.configFile() == null) {
            throw new ApiException(409, "Tern was started without a configuration file: nothing to reload");
        }
        try {
            return ctx.reloader().reload();
        } catch (ConfigException e) {
            throw ApiException.badRequest("configuration not reloaded: " + String.join("; ", e.problems()));
        }
    }
}
