// Akash SDL 2.0 files into Berth pods.
#include "importtest.h"

using namespace importtest;

class TestAkashImporter : public QObject
{
    Q_OBJECT

private slots:
    void akashShop()
    {
        const ImportResult result = importManifest(readData(u"akash/shop.yaml"_s));
        VERIFY_NO_ERRORS(result);
        QVERIFY(result.pod);
        const Pod &pod = *result.pod;
        QCOMPARE(pod.metadata.name, u"web"_s);
        QCOMPARE(pod.replicas.min, 2);
        QCOMPARE(pod.replicas.max, 2);
        QCOMPARE(pod.hostAliases, QStringList());
        QCOMPARE(pod.containers.size(), 2);

        const Container &web = containerNamed(pod, u"web"_s);
        QCOMPARE(web.image.reference, u"ghcr.io/example/shop-frontend:1.8.0"_s);
        QCOMPARE(web.env.size(), 2);
        QCOMPARE(web.env[1],
                 (EnvVar{u"DATABASE_URL"_s, u"postgres://shop:change-me@postgres:5432/shop"_s,
                         std::nullopt}));
        QCOMPARE(web.ports.size(), 1);
        QCOMPARE(web.ports[0].name, u"web-3000"_s);
        QCOMPARE(web.ports[0].containerPort, 3000);
        QCOMPARE(toString(web.ports[0].protocol), u"http"_s); // exposed as 80
        QCOMPARE(web.ports[0].hosts,
                 (QStringList{u"shop.example.com"_s, u"www.shop.example.com"_s}));
        QCOMPARE(web.ports[0].publicPort, std::nullopt);
        QCOMPARE(web.resources.cpuMillis, 500);
        QCOMPARE(web.resources.memoryBytes, 512 * MiB);
        QCOMPARE(web.resources.ephemeralStorageBytes, GiB);

        const Container &postgres = containerNamed(pod, u"postgres"_s);
        QCOMPARE(postgres.image.reference, u"docker.io/library/postgres:16"_s);
        QCOMPARE(postgres.ports.size(), 0); // exposed to web only: shared pod network
        QCOMPARE(postgres.env.size(), 3);
        QCOMPARE(postgres.resources.cpuMillis, 1000);
        QCOMPARE(postgres.resources.memoryBytes, 2 * GiB);
        QCOMPARE(postgres.resources.ephemeralStorageBytes, 512 * MiB);
        QCOMPARE(postgres.volumeMounts,
                 (QList<VolumeMount>{{u"pgdata"_s, u"/var/lib/postgresql/data"_s, false}}));
        QCOMPARE(pod.volumes,
                 (QList<Volume>{{u"pgdata"_s, VolumeKind::Persistent, 20 * GiB, {}, {}}}));

        VERIFY_WARNINGS(result,
                        {u"profiles.placement.dcloud.pricing"_s,
                         u"`pricing` is not kept: Berth providers quote their own prices"_s},
                        {u"profiles.placement.dcloud.attributes"_s, u"`attributes` are not kept"_s},
                        {u"profiles.placement.dcloud.signedBy"_s, u"`signedBy` is not kept"_s},
                        {u"profiles.compute.postgres.resources.storage[1].attributes.class"_s,
                         u"storage class beta3 is not kept"_s});
    }

    void akashVariants()
    {
        const ImportResult result = importManifest(R"(
version: "2.0"
services:
  game:
    image: game-server:3
    command: ["/srv/game"]
    args: ["--port", "7777"]
    expose:
      - port: 7777
        as: 30777
        accept: [play.example.com]
        to: [{global: true}]
      - port: 7778
        proto: udp
        to: [{global: true}]
      - port: 9090
        to: [{global: true}]
  trainer:
    image: trainer:1
profiles:
  compute:
    game:
      resources:
        cpu: {units: 500m}
        memory: {size: 1G}
        storage: [{size: 1Gi}, {name: maps, size: 5Gi, attributes: {persistent: true}}]
    trainer:
      resources:
        cpu: {units: 8}
        memory: {size: 32Gi}
        gpu:
          units: 1
          attributes: {vendor: {nvidia: [{model: a100}]}}
        storage: {size: 100Gi}
  placement:
    anywhere: {}
deployment:
  game: {anywhere: {profile: game, count: 1}}
  trainer: {anywhere: {profile: trainer, count: 2}}
)");
        VERIFY_NO_ERRORS(result);
        const Pod &pod = *result.pod;
        QCOMPARE(pod.replicas.min, 2);
        const Container &game = containerNamed(pod, u"game"_s);
        QCOMPARE(game.command, QStringList{u"/srv/game"_s});
        QCOMPARE(game.args, (QStringList{u"--port"_s, u"7777"_s}));
        QCOMPARE(game.resources.cpuMillis, 500);
        QCOMPARE(game.resources.memoryBytes, 1000 * 1000 * 1000);
        QCOMPARE(game.ports.size(), 2);
        QCOMPARE(game.ports[0].containerPort, 7777);
        QCOMPARE(toString(game.ports[0].protocol), u"tcp"_s);
        QCOMPARE(game.ports[0].publicPort, 30777);
        QCOMPARE(game.ports[1].containerPort, 9090);
        QCOMPARE(toString(game.ports[1].protocol), u"tcp"_s);
        QCOMPARE(game.ports[1].publicPort, std::nullopt);
        const Container &trainer = containerNamed(pod, u"trainer"_s);
        QCOMPARE(trainer.resources.gpu, (Gpu{1, u"nvidia-a100"_s}));
        QCOMPARE(trainer.resources.ephemeralStorageBytes, 100 * GiB);
        QVERIFY(pod.volumes.isEmpty());
        VERIFY_WARNINGS(
            result,
            {u"services.game.expose[0].accept"_s,
             u"`accept` is not kept: only an expose as port 80 is served by host name"_s},
            {u"services.game.expose[1]"_s, u"UDP port 7778 is not published"_s},
            {u"profiles.compute.game"_s, u"storage maps is not mounted by service game"_s},
            {u"deployment.trainer.anywhere.count"_s,
             u"asks for 2 replicas but `deployment.game.anywhere.count` for 1, so the pod runs "
             u"2"_s});
    }

    void akashUnderscoreServiceBecomesAlias()
    {
        const ImportResult result = importManifest(R"(
version: "2.0"
services:
  api_server: {image: api:1}
profiles:
  compute:
    api: {resources: {cpu: {units: 1}, memory: {size: 512Mi}}}
deployment:
  api_server: {dc: {profile: api, count: 1}}
)");
        VERIFY_NO_ERRORS(result);
        VERIFY_WARNINGS(result);
        QCOMPARE(result.pod->containers[0].name, u"api-server"_s);
        QCOMPARE(result.pod->hostAliases, QStringList{u"api_server"_s});
        QCOMPARE(result.pod->metadata.name, u"api-server"_s);
    }
};

QTEST_GUILESS_MAIN(TestAkashImporter)
#include "tst_akashimporter.moc"
