package dev.tern.bounce.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MimeParserTest {

    @Test
    void decodesFoldedEncodedHeadersAndBodies() {
        String mail = "Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\n =?UTF-8?Q?_caf=C3=A9?=\n"
                + "Content-Type: multipart/mixed; boundary=\"xx\"\n\n"
                + "--xx\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
                + "caf=C3=A9 soft=\nbreak\n"
                + "--xx\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: base64\n\n"
                + "Y2Fm6Q==\n--xx--\n";
        MimePart root = MimeParser.parse(mail.getBytes(StandardCharsets.US_ASCII));
        assertThat(root.header("subject")).isEqualTo("テスト café");
        assertThat(root.children()).hasSize(2);
        assertThat(root.children().get(0).text()).isEqualTo("café softbreak");
        assertThat(root.children().get(1).text()).isEqualTo("café");
    }

    @Test
    void iso2022jpBody() {
        byte[] body = "ユーザー不明".getBytes(Charset.forName("ISO-2022-JP"));
        byte[] head = "Content-Type: text/plain; charset=ISO-2022-JP\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] mail = new byte[head.length + body.length];
        System.arraycopy(head, 0, mail, 0, head.length);
        System.arraycopy(body, 0, mail, head.length, body.length);
        assertThat(MimeParser.parse(mail).text()).isEqualTo("ユーザー不明");
    }

    @Test
    void truncatedAndBoundarylessMultipartsDegradeToText() {
        MimePart truncated = MimeParser.parse(
                "Content-Type: multipart/report; boundary=b\n\n--b\nContent-Type: text/plain\n\nhello\n--b\nContent-Type: message/delivery-status\n\nStatus: 5.1"
                        .getBytes());
        assertThat(truncated.children()).hasSize(2);
        assertThat(truncated.children().get(1).text()).contains("Status: 5.1");
        MimePart noBoundary = MimeParser.parse("Content-Type: multipart/mixed\n\njust text\n".getBytes());
        assertThat(noBoundary.mediaType()).isEqualTo("text/plain");
        assertThat(noBoundary.text()).contains("just text");
        assertThat(TransferEncodings.base64("!!!garbage===QUJD".getBytes())).isNotNull();
    }
}
