package edge.transport.k8s;

import io.kubernetes.client.openapi.ApiClient;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/**
 * The {@link ApiClient} that {@link io.kubernetes.client.util.ClientBuilder} fills from a kubeconfig,
 * with its TLS set up once, from the finished settings ({@link #applyTls}), instead of after each
 * setting. Left to itself the client builds a TLS context that trusts the JDK's CA certificates when
 * it is created, again when the builder turns verification on, and again when it adds the client
 * certificate, all before the builder gives it the kubeconfig's CA, which replaces them: reading the
 * JDK's 140 CAs for nothing cost a no-op run 60 to 100 ms (src/test/bench/site-noop.sh). Until
 * {@link #applyTls} its HTTP client trusts nobody, so a request sent too early fails, never passes
 * unverified.
 */
final class OnceTlsApiClient extends ApiClient {
    private boolean settled;

    OnceTlsApiClient() {
        super(untrusting());
    }

    /** The TLS settings are complete: build the client's TLS from them (the kubeconfig's CA, client certificate, ...). */
    void applyTls() {
        settled = true;
        applySslSettings();
    }

    @Override
    protected void applySslSettings() {
        if (settled) {
            super.applySslSettings();
        }
    }

    private static OkHttpClient untrusting() {
        X509TrustManager nobody = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("not trusted");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("not trusted");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {nobody}, null);
            return new OkHttpClient.Builder().sslSocketFactory(tls.getSocketFactory(), nobody).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no TLS: " + e.getMessage(), e);
        }
    }
}
