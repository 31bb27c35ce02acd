package dev.tern.bounce.dsn.lhost;

import java.util.List;

/**
 * A decoder for the bounces of one MTA or mail provider family (as sisimai's {@code Lhost} modules
 * are organised): it recognizes its family's reports by their headers and fixed wording, and reads
 * each failed recipient's facts (address, status, reply, remote host, refused command). It does not
 * classify: the reply classifier does, with the decoder's {@link Decoded#reason()} as the reading of
 * the MTA's own fixed messages.
 */
public interface Lhost {
    /** The family name ({@code postfix}, {@code exim}, ...). */
    String family();

    /** Whether the mail looks like this family's report (cheap: headers and fixed markers). */
    boolean recognizes(BounceMail mail);

    /**
     * The failed recipients; empty when the report could not be read after all (the next decoder,
     * and finally the generic RFC 3464 reading, is tried then).
     */
    List<Decoded> decode(BounceMail mail);
}
