<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>CommandLine</name>
    <message>
        <source>Usage: berth [options]</source>
        <translation>Aufruf: berth [Optionen]</translation>
    </message>
    <message>
        <source>Berth dashboard: rent out your machine to run container pods, or run yours on other people&apos;s machines.</source>
        <translation>Berth-Dashboard: Vermieten Sie Ihren Rechner für Container-Pods oder lassen Sie Ihre Pods auf fremden Rechnern laufen.</translation>
    </message>
    <message>
        <source>Options:</source>
        <translation>Optionen:</translation>
    </message>
    <message>
        <source>Show this help and exit.</source>
        <translation>Diese Hilfe anzeigen und beenden.</translation>
    </message>
    <message>
        <source>Show the version and exit.</source>
        <translation>Die Version anzeigen und beenden.</translation>
    </message>
    <message>
        <source>Qt&apos;s own options, such as -platform NAME or -style NAME, are accepted too.</source>
        <translation>Die Optionen von Qt, etwa -platform NAME oder -style NAME, werden ebenfalls angenommen.</translation>
    </message>
    <message>
        <source>Run &apos;berth --help&apos; for the options.</source>
        <translation>Die Optionen zeigt &apos;berth --help&apos;.</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos;.</source>
        <translation>unerwartetes Argument &apos;%1&apos;.</translation>
    </message>
    <message>
        <source>could not load the user interface from %1; the messages above say why. This is a bug in this build of Berth: please report it.</source>
        <translation>die Benutzeroberfläche konnte nicht aus %1 geladen werden; die Meldungen darüber nennen den Grund. Dies ist ein Fehler in diesem Build von Berth: bitte melden Sie ihn.</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>Berth</source>
        <translation>Berth</translation>
    </message>
    <message>
        <source>Berth %1</source>
        <translation>Berth %1</translation>
    </message>
    <message>
        <source>Composer</source>
        <translation>Editor</translation>
    </message>
    <message>
        <source>The pod composer will let you put together containers, images, resources, ports, volumes and secrets with a live YAML view and inline validation; it is not available yet.</source>
        <translation>Im Pod-Editor stellen Sie Container, Images, Ressourcen, Ports, Volumes und Secrets zusammen, mit laufend aktualisierter YAML-Ansicht und direkter Prüfung; er ist noch nicht verfügbar.</translation>
    </message>
    <message>
        <source>Marketplace</source>
        <translation>Marktplatz</translation>
    </message>
    <message>
        <source>The marketplace will list providers with their prices and regions, and your orders and their bids; it is not available yet.</source>
        <translation>Der Marktplatz zeigt Anbieter mit ihren Preisen und Regionen sowie Ihre Aufträge und deren Gebote; er ist noch nicht verfügbar.</translation>
    </message>
    <message>
        <source>Deployments</source>
        <translation>Deployments</translation>
    </message>
    <message>
        <source>Your deployments will appear here with their status, charts and logs, ready to update, top up or close; this page is not available yet.</source>
        <translation>Hier erscheinen Ihre Deployments mit Status, Diagrammen und Logs, bereit zum Aktualisieren, Aufladen oder Beenden; diese Seite ist noch nicht verfügbar.</translation>
    </message>
    <message>
        <source>Wallet</source>
        <translation>Wallet</translation>
    </message>
    <message>
        <source>Your address, balances and payment channels with their runway will appear here; the wallet is not available yet.</source>
        <translation>Hier erscheinen Ihre Adresse, Ihre Guthaben und Ihre Zahlungskanäle mit ihrer Restlaufzeit; die Wallet ist noch nicht verfügbar.</translation>
    </message>
</context>
<context>
    <name>NavigationPane</name>
    <message>
        <source>Provider</source>
        <translation>Anbieter</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <source>Publisher</source>
        <translation>Herausgeber</translation>
    </message>
    <message>
        <source>Composer</source>
        <translation>Editor</translation>
    </message>
    <message>
        <source>Marketplace</source>
        <translation>Marktplatz</translation>
    </message>
    <message>
        <source>Deployments</source>
        <translation>Deployments</translation>
    </message>
    <message>
        <source>Wallet</source>
        <translation>Wallet</translation>
    </message>
</context>
<context>
    <name>OverviewPage</name>
    <message>
        <source>Overview</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <source>Your machine&apos;s capacity, utilisation, running pods and earnings will appear here once the provider console arrives; it is not available yet.</source>
        <translation>Hier erscheinen Kapazität, Auslastung, laufende Pods und Einnahmen Ihres Rechners, sobald die Anbieterkonsole kommt; sie ist noch nicht verfügbar.</translation>
    </message>
</context>
<context>
    <name>UtilisationChart</name>
    <message>
        <source>Utilisation (no data yet)</source>
        <translation>Auslastung (noch keine Daten)</translation>
    </message>
    <message>
        <source>Minutes ago</source>
        <translation>Minuten zuvor</translation>
    </message>
    <message>
        <source>Percent</source>
        <translation>Prozent</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>Arbeitsspeicher</translation>
    </message>
</context>
</TS>
