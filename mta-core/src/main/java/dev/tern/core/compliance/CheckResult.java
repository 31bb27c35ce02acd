package dev.tern.core.compliance;

/**
 * One line of {@code tern check sender}.
 *
 * @param check  what was checked, e.g. {@code SPF ip1 192.0.2.10}
 * @param passed whether it passed
 * @param detail what was found
 * @param fix    what to change when it failed ("" when it passed)
 */
public record CheckResult(String check, boolean passed, String detail, String fix) {
    static CheckResult pass(String check, String detail) {
        return new CheckResult(check, true, detail, "");
    }

    static CheckResult fail(String check, String detail, String fix) {
        return new CheckResult(check, false, detail, fix);
    }
}
