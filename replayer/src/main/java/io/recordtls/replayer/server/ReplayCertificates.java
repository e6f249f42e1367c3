package io.recordtls.replayer.server;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.Set;
import javax.crypto.spec.PBEParameterSpec;

/**
 * A throwaway CA and a server certificate it signed for every host the stubs serve, so clients
 * that trust the CA file accept the replay server under the recorded host names.
 */
public final class ReplayCertificates {
    public static final String PASSWORD = "recordtls-replay";
    /** The server key's alias in {@link #keys()}. */
    public static final String ALIAS = "replay";
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final KeyStore keys;
    private final Path dir;
    private final Path caPem;
    private Path keyStoreFile;

    private ReplayCertificates(KeyStore keys, Path dir, Path caPem) {
        this.keys = keys;
        this.dir = dir;
        this.caPem = caPem;
    }

    /**
     * The server's key and certificates held in memory, and the CA written to {@code dir} as PEM.
     * The key is never written unless {@link #keyStore()} asks for a file.
     */
    public static ReplayCertificates create(Collection<String> hosts, Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
            KeyPair caKeys = ecKeys(), serverKeys = ecKeys();
            Instant now = Instant.now();
            X500Name caName = new X500Name("CN=recordtls replay CA " + now.getEpochSecond());
            X509Certificate ca = sign(new JcaX509v3CertificateBuilder(caName, serial(), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(30))), caName, caKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, new JcaX509ExtensionUtils().createSubjectKeyIdentifier(caKeys.getPublic())),
                    caKeys);
            Set<String> names = new LinkedHashSet<>(java.util.List.of("localhost", "127.0.0.1", "::1"));
            names.addAll(hosts);
            GeneralNames san = new GeneralNames(names.stream().map(ReplayCertificates::generalName).toArray(GeneralName[]::new));
            X509Certificate server = sign(new JcaX509v3CertificateBuilder(ca, serial(), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(30))), new X500Name("CN=" + names.iterator().next()), serverKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, san)
                    .addExtension(Extension.authorityKeyIdentifier, false, new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca)),
                    caKeys);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            // The password is public and the store lives in memory: the JDK's default of 10,000
            // PBKDF2 rounds to wrap the key and 10,000 more to unwrap it protect nothing and cost
            // about 0.1 s each in a JVM that has not compiled SHA-256 yet (a replay's first test).
            ks.setEntry(ALIAS, new KeyStore.PrivateKeyEntry(serverKeys.getPrivate(), new Certificate[] {server, ca}),
                    new KeyStore.PasswordProtection(PASSWORD.toCharArray(), "PBEWithHmacSHA256AndAES_256",
                            new PBEParameterSpec(salt(), 1)));
            Path pem = dir.resolve("recordtls-replay-ca.pem");
            StringWriter w = new StringWriter();
            try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
                pw.writeObject(ca);
            }
            Files.writeString(pem, w.toString(), StandardCharsets.US_ASCII);
            return new ReplayCertificates(ks, dir, pem);
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IOException("create the replay server's certificates", e);
        }
    }

    /** The server's key and its certificate chain (alias {@value #ALIAS}, password {@link #PASSWORD}). */
    public KeyStore keys() {
        return keys;
    }

    /**
     * The server's key and certificates as a PKCS#12 file (password {@link #PASSWORD}), for servers
     * that take a path; written on the first call, beside the CA, readable by its owner only.
     */
    public synchronized Path keyStore() throws IOException {
        if (keyStoreFile == null) {
            Path p = dir.resolve("replay-server.p12");
            Files.deleteIfExists(p);
            try (OutputStream out = Files.newOutputStream(Files.createFile(p, OWNER_ONLY))) {
                keys.store(out, PASSWORD.toCharArray());
            } catch (GeneralSecurityException e) {
                throw new IOException("write the replay server's key store " + p, e);
            }
            keyStoreFile = p;
        }
        return keyStoreFile;
    }

    /** The CA certificate (PEM) clients must trust. */
    public Path caPem() {
        return caPem;
    }

    private static GeneralName generalName(String host) {
        boolean ip = host.matches("[0-9.]+") || host.contains(":");
        if (ip) {
            try {
                return new GeneralName(GeneralName.iPAddress, InetAddress.getByName(host).getHostAddress());
            } catch (IOException e) {
                // fall through to a DNS name
            }
        }
        return new GeneralName(GeneralName.dNSName, host);
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static byte[] salt() {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return salt;
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer)
            throws org.bouncycastle.operator.OperatorCreationException, GeneralSecurityException {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }
}
