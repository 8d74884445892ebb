// What a publisher's secret values become on the wire: only the keys the
// manifest uses, each sealed to the provider's key (and opening with it), and
// clear refusals that say which --secret to pass.
#include "crypto/sealedbox.h"
#include "manifest/manifestcodec.h"
#include "publisher/publisherstore.h"
#include "publisher/secretvalues.h"

#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <sodium.h>

using namespace Qt::StringLiterals;
using namespace berth;

namespace {

manifest::Pod podOf(const QByteArray &yaml)
{
    return manifest::loadManifest(yaml).pod;
}

const QByteArray worker = R"(apiVersion: berth/v1
kind: Pod
metadata: {name: worker}
containers:
  - name: app
    image: docker.io/library/busybox:1.36
    env:
      - {name: DB_PASSWORD, secret: {name: db, key: password}}
    resources: {cpu: 100m, memory: 32Mi}
    volumeMounts:
      - {name: tls, mountPath: /tls}
volumes:
  - {name: tls, secret: {name: tls}}
)";

} // namespace

class TestSecretValues : public QObject
{
    Q_OBJECT

private slots:
    void sealsOnlyWhatThePodUses()
    {
        unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
        crypto_box_keypair(pk, sk);
        const QByteArray publicKey(reinterpret_cast<const char *>(pk), sizeof pk);

        QTemporaryDir dir;
        QFile cert(dir.filePath(u"cert.pem"_s));
        QVERIFY(cert.open(QIODevice::WriteOnly));
        cert.write("-----BEGIN CERT-----\n");
        cert.close();
        QProcessEnvironment env;
        env.insert(u"DB_PW"_s, u"hunter2"_s);

        publisher::SecretValues values;
        QVERIFY(values.add(u"db.password=env:DB_PW"_s, env));
        QVERIFY(values.add(u"tls.cert.pem=@"_s + cert.fileName(), env));
        QVERIFY(values.add(u"unused.key=env:DB_PW"_s, env));
        auto sealed = values.sealFor(podOf(worker), publicKey);
        QVERIFY2(sealed, sealed ? "" : qPrintable(sealed.error().message));
        QCOMPARE(sealed->keys(), (QStringList{u"db"_s, u"tls"_s}));
        QCOMPARE(sealed->value(u"tls"_s).toObject().keys(), QStringList{u"cert.pem"_s});
        const auto open = [&](const QString &name, const QString &key) {
            const QByteArray box = QByteArray::fromBase64(
                sealed->value(name).toObject().value(key).toString().toLatin1());
            auto plain = crypto::SealedBox::open(
                box, publicKey,
                crypto::SecretBytes(QByteArrayView(reinterpret_cast<const char *>(sk), sizeof sk)));
            return plain ? plain->view().toByteArray() : QByteArray("<does not open>");
        };
        QCOMPARE(open(u"db"_s, u"password"_s), QByteArray("hunter2"));
        QCOMPARE(open(u"tls"_s, u"cert.pem"_s), QByteArray("-----BEGIN CERT-----\n"));
    }

    void refusesWithWhatToPass()
    {
        QByteArray key(32, 'k');
        publisher::SecretValues values;
        auto missing = values.sealFor(podOf(worker), key);
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(missing.error().message.contains(u"--secret"_s),
                 qPrintable(missing.error().message));

        for (const QString &bad : {u"db.password=hunter2"_s, u"DB.password=@x"_s, u"db=@x"_s}) {
            auto added = values.add(bad);
            QVERIFY(!added);
            QVERIFY2(added.error().message.contains(u"NAME.KEY=@FILE"_s),
                     qPrintable(added.error().message));
            QVERIFY2(!added.error().message.contains(u"hunter2"_s), "the value is not echoed");
        }
        auto unset = values.add(u"db.password=env:BERTH_TEST_SURELY_UNSET"_s, {});
        QVERIFY(!unset);
        QVERIFY(unset.error().message.contains(u"BERTH_TEST_SURELY_UNSET"_s));
        auto noFile = values.add(u"db.password=@/nonexistent/pw"_s);
        QCOMPARE(noFile.error().code, ErrorCode::NotFound);
    }

    void recordsSurviveReopening()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"berth/publisher.sqlite"_s);
        const auto me = *crypto::Address::fromHex(u"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"_s);
        const auto provider =
            *crypto::Address::fromHex(u"0x70997970C51812dc3A010C7d01b50e0d17dc79C8"_s);
        {
            auto store = publisher::PublisherStore::open(path);
            QVERIFY2(store, store ? "" : qPrintable(store.error().message));
            publisher::DeploymentEntry d;
            d.chainId = 31337;
            d.publisher = me;
            d.name = u"site"_s;
            d.provider = provider;
            d.endpoint = u"wss://127.0.0.1:7443"_s;
            d.deploymentId = u"site-57d0d942"_s;
            d.channelId = QByteArray(32, '\x57');
            d.manifest = "apiVersion: berth/v1\n";
            d.state = u"running"_s;
            QVERIFY((*store)->saveDeployment(d));
            d.state = u"closing"_s;
            QVERIFY((*store)->saveDeployment(d)); // an update, not a second row
        }
        QCOMPARE(QFile::permissions(path) & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());
        auto store = publisher::PublisherStore::open(path);
        QVERIFY(store);
        auto all = (*store)->deployments(31337, me);
        QVERIFY(all);
        QCOMPARE(all->size(), 1);
        QCOMPARE(all->first().state, u"closing"_s);
        QCOMPARE(all->first().channelId, QByteArray(32, '\x57'));
        QCOMPARE(all->first().provider, provider);
        QCOMPARE((*store)->deployments(1, me)->size(), 0); // another chain
    }
};

QTEST_GUILESS_MAIN(TestSecretValues)
#include "tst_secretvalues.moc"
