package dev.tern.core.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of the commands that talk to the admin API: exit 0 on success, 1 when the API
 * answers an error (printed as {@code tern: <message> (HTTP <status>)}) or cannot be reached,
 * 2 when the configuration file is missing or not valid.
 */
abstract class ApiCommand implements Callable<Integer> {
    @Mixin
    ApiOptions api;

    @Spec
    CommandSpec spec;

    /** Calls the API and prints the result to {@code out}. */
    abstract void run(AdminClient client, PrintWriter out) throws AdminClient.Failure;

    @Override
    public final Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            run(api.client(), out);
            out.flush();
            return 0;
        } catch (dev.tern.core.config.ConfigException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("tern " + spec.name() + ": " + e.getMessage());
            err.flush();
            return 2;
        } catch (AdminClient.Failure e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("tern " + spec.name() + ": " + e.getMessage()
                    + (e.status() > 0 ? " (HTTP " + e.status() + ")" : ""));
            err.flush();
            return 1;
        }
    }

    /** Prints JSON (pretty) when --json was given; returns true if it did. */
    boolean printedJson(JsonNode n, PrintWriter out) {
        if (!api.json) return false;
        try {
            out.println(AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return true;
    }
}
