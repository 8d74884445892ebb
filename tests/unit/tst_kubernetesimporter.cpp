// Kubernetes Pods, Deployments and their streams of objects into Berth pods.
#include "importtest.h"
#include "manifest/validator.h"

using namespace importtest;

class TestKubernetesImporter : public QObject
{
    Q_OBJECT

private slots:
    void kubernetesDeployment()
    {
        const ImportResult result = importManifest(readData(u"kubernetes/nginx-deployment.yaml"_s));
        VERIFY_NO_ERRORS(result);
        QVERIFY(result.pod);
        const Pod &pod = *result.pod;
        QCOMPARE(pod.metadata.name, u"nginx"_s);
        QCOMPARE(pod.metadata.labels,
                 (QMap<QString, QString>{{u"app"_s, u"nginx"_s}, {u"tier"_s, u"frontend"_s}}));
        QCOMPARE(pod.replicas.min, 3);
        QCOMPARE(pod.replicas.max, 3);
        QCOMPARE(pod.containers.size(), 1);
        const Container &nginx = pod.containers[0];
        QCOMPARE(nginx.name, u"nginx"_s);
        QCOMPARE(nginx.image.reference, u"docker.io/library/nginx:1.25-alpine"_s);
        QCOMPARE(nginx.resources.cpuMillis, 250); // limits win over requests
        QCOMPARE(nginx.resources.memoryBytes, 128 * MiB);
        QCOMPARE(nginx.resources.ephemeralStorageBytes, GiB);
        QCOMPARE(nginx.ports.size(), 2);
        QCOMPARE(nginx.ports[0].name, u"http"_s);
        QCOMPARE(nginx.ports[0].containerPort, 80);
        QCOMPARE(toString(nginx.ports[0].protocol), u"http"_s);
        QCOMPARE(nginx.ports[1].name, u"metrics"_s);
        QCOMPARE(nginx.ports[1].containerPort, 9113);
        QCOMPARE(toString(nginx.ports[1].protocol), u"tcp"_s);
        QCOMPARE(nginx.volumeMounts,
                 (QList<VolumeMount>{{u"cache"_s, u"/var/cache/nginx"_s, false}}));
        QVERIFY(nginx.healthCheck);
        QCOMPARE(toString(nginx.healthCheck->kind), u"http"_s);
        QCOMPARE(nginx.healthCheck->path, u"/healthz"_s);
        QCOMPARE(nginx.healthCheck->port, 80); // the named port "http"
        QCOMPARE(nginx.healthCheck->initialDelaySeconds, 5);
        QCOMPARE(nginx.healthCheck->periodSeconds, 15);
        QCOMPARE(nginx.healthCheck->timeoutSeconds, 1);
        QCOMPARE(nginx.healthCheck->failureThreshold, 3);
        QCOMPARE(pod.volumes,
                 (QList<Volume>{{u"cache"_s, VolumeKind::Persistent, 5 * GiB, {}, {}}}));

        VERIFY_WARNINGS(
            result, {u"spec.storageClassName"_s, u"`storageClassName` is not kept"_s},
            {QString(), u"Service nginx is not imported"_s},
            {u"metadata.namespace"_s, u"`namespace` is not used"_s},
            {u"spec.strategy"_s, u"`strategy` is not kept"_s},
            {u"spec.template.spec.volumes[1]"_s,
             u"volume config (configMap) cannot be mapped, and its mounts are left out"_s},
            {u"spec.template.spec.containers[0].readinessProbe"_s,
             u"`readinessProbe` is not kept: Berth runs one health check per container"_s},
            {u"spec.template.spec.containers[0].securityContext"_s,
             u"`securityContext` is not kept"_s},
            {u"spec.template.spec.initContainers"_s,
             u"init containers are not imported: Berth starts all containers together"_s},
            {u"spec.template.spec.imagePullSecrets"_s, u"registry credentials are not imported"_s});
    }

    void kubernetesPod()
    {
        const ImportResult result = importManifest(readData(u"kubernetes/api-pod.yaml"_s));
        VERIFY_NO_ERRORS(result);
        QVERIFY(result.pod);
        const Pod &pod = *result.pod;
        QCOMPARE(pod.metadata.name, u"api"_s);
        QCOMPARE(toString(pod.restartPolicy), u"OnFailure"_s);
        QCOMPARE(pod.containers.size(), 2);

        const Container &api = pod.containers[0];
        QCOMPARE(api.command, QStringList{u"/app/server"_s});
        QCOMPARE(api.args, (QStringList{u"--listen"_s, u":8443"_s, u"--log-format=json"_s}));
        QCOMPARE(api.workingDir, u"/app"_s);
        QCOMPARE(api.env, (QList<EnvVar>{{u"LOG_LEVEL"_s, u"info"_s, std::nullopt},
                                         {u"DATABASE_PASSWORD"_s, QString(),
                                          SecretKeyRef{u"api-db"_s, u"password"_s}}}));
        QCOMPARE(api.ports.size(), 1);
        QCOMPARE(api.ports[0].name, u"https"_s);
        QCOMPARE(api.ports[0].containerPort, 8443);
        QCOMPARE(toString(api.ports[0].protocol), u"tcp"_s);
        QCOMPARE(api.resources.cpuMillis, 2000);
        QCOMPARE(api.resources.memoryBytes, GiB);
        QCOMPARE(api.resources.gpu, (Gpu{1, QString()}));
        QCOMPARE(api.volumeMounts, (QList<VolumeMount>{{u"tls"_s, u"/etc/tls"_s, true},
                                                       {u"scratch"_s, u"/tmp"_s, false}}));
        QVERIFY(api.healthCheck);
        QCOMPARE(toString(api.healthCheck->kind), u"tcp"_s);
        QCOMPARE(api.healthCheck->port, 8443);
        QCOMPARE(api.healthCheck->periodSeconds, 20);
        QCOMPARE(api.healthCheck->timeoutSeconds, 3);
        QCOMPARE(api.healthCheck->failureThreshold, 5);

        const Container &shipper = pod.containers[1];
        QCOMPARE(shipper.name, u"log-shipper"_s);
        QCOMPARE(shipper.resources.cpuMillis, 500);
        QCOMPARE(shipper.resources.memoryBytes, 512 * MiB);
        QVERIFY(shipper.healthCheck); // from the readiness probe, as there is no liveness probe
        QCOMPARE(toString(shipper.healthCheck->kind), u"exec"_s);
        QCOMPARE(shipper.healthCheck->command,
                 (QStringList{u"/fluent-bit/bin/fluent-bit"_s, u"--dry-run"_s}));

        QCOMPARE(pod.volumes.size(), 2);
        QCOMPARE(volumeNamed(pod, u"tls"_s),
                 (Volume{u"tls"_s,
                         VolumeKind::Secret,
                         0,
                         u"api-tls"_s,
                         {{u"tls.crt"_s, u"server.crt"_s}, {u"tls.key"_s, u"server.key"_s}}}));
        QCOMPARE(volumeNamed(pod, u"scratch"_s),
                 (Volume{u"scratch"_s, VolumeKind::EmptyDir, 256 * MiB, {}, {}}));

        VERIFY_WARNINGS(
            result,
            {u"spec.containers[0].env[2].valueFrom"_s,
             u"POD_IP takes its value from fieldRef, which Berth cannot provide"_s},
            {u"spec.containers[0].ports[1]"_s, u"UDP port 514 is not published"_s},
            {u"spec.containers[1]"_s,
             u"container log-shipper has no CPU or memory limit: Berth assumes cpu 500m and "
             u"memory 512Mi; adjust resources before deploying"_s},
            {u"spec.volumes[2]"_s, u"volume host-logs (hostPath) cannot be mapped"_s},
            {u"spec.nodeSelector"_s, u"the pod runs on the provider you choose"_s});
    }

    void kubernetesWithoutWorkload()
    {
        const ImportResult result =
            importManifest("apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\n"
                           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n");
        QVERIFY(!result.pod);
        QCOMPARE(count(result, Severity::Error, QString(), u"there is no Pod or Deployment"_s), 1);
        VERIFY_WARNINGS(result, {QString(), u"Service web is not imported"_s},
                        {QString(), u"ConfigMap settings is not imported"_s});
    }

    void kubernetesSecondWorkloadAndClaims()
    {
        const ImportResult result = importManifest(R"(
apiVersion: v1
kind: Pod
metadata: {name: first}
spec:
  containers:
    - name: app
      image: app:1
      resources: {limits: {cpu: 250m, memory: 64Mi}}
      volumeMounts: [{name: data, mountPath: /data}]
  volumes:
    - name: data
      persistentVolumeClaim: {claimName: missing}
---
apiVersion: v1
kind: Pod
metadata: {name: second}
spec:
  containers: [{name: other, image: other:1}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: spare}
spec: {resources: {requests: {storage: 2Gi}}}
)");
        VERIFY_NO_ERRORS(result);
        QCOMPARE(result.pod->metadata.name, u"first"_s);
        QCOMPARE(result.pod->containers.size(), 1);
        QCOMPARE(result.pod->volumes,
                 (QList<Volume>{{u"data"_s, VolumeKind::Persistent, GiB, {}, {}}}));
        VERIFY_WARNINGS(
            result,
            {u"spec.volumes[0].persistentVolumeClaim"_s,
             u"the size of claim missing is not in this file: Berth creates a persistent volume "
             u"of 1Gi"_s},
            {QString(), u"Pod second is not imported: a Berth manifest describes one pod"_s},
            {QString(), u"PersistentVolumeClaim spare is not used by the pod"_s});
    }

    void kubernetesScaledToZero()
    {
        const ImportResult result = importManifest(R"(
apiVersion: apps/v1
kind: Deployment
metadata: {name: idle}
spec:
  replicas: 0
  template:
    spec:
      containers:
        - {name: web, image: "web:1", ports: [{containerPort: 8080}],
           resources: {limits: {cpu: 100m, memory: 32Mi}}}
)");
        VERIFY_NO_ERRORS(result);
        VERIFY_WARNINGS(result);
        QCOMPARE(result.pod->replicas.min, 0);
        QCOMPARE(result.pod->replicas.max, 1); // room for one replica when traffic arrives
        QVERIFY2(!hasErrors(validate(*result.pod)), qPrintable(describe(validate(*result.pod))));
    }

    void kubernetesUnresolvedProbePort()
    {
        const ImportResult result = importManifest(R"(
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      image: app:1
      resources: {requests: {cpu: "1", memory: 1G}}
      livenessProbe: {httpGet: {path: /, port: admin}}
)");
        QVERIFY(!result.pod->containers[0].healthCheck);
        QCOMPARE(result.pod->containers[0].resources.memoryBytes, 1000 * 1000 * 1000);
        VERIFY_WARNINGS(result, {u"spec.containers[0].livenessProbe.httpGet.port"_s,
                                 u"port admin is not a port of this container"_s});
    }
};

QTEST_GUILESS_MAIN(TestKubernetesImporter)
#include "tst_kubernetesimporter.moc"
