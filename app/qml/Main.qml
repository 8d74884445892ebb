import QtQuick.Controls
import QtQuick.Layouts
import Berth.App

// The dashboard shell: a header, the side navigation and one page per navigation entry.
// Pages that are not built yet say what will arrive there.
ApplicationWindow {
  id: window

  title: qsTr("Berth")
  width: 1100
  height: 720
  minimumWidth: 720
  minimumHeight: 480
  visible: true

  header: ToolBar {
    RowLayout {
      anchors.fill: parent
      anchors.leftMargin: 12
      anchors.rightMargin: 12

      Label {
        objectName: "versionLabel"
        text: qsTr("Berth %1").arg(AppInfo.version)
        font.bold: true
        elide: Label.ElideRight
        Layout.fillWidth: true
      }
    }
  }

  RowLayout {
    anchors.fill: parent
    spacing: 0

    NavigationPane {
      id: navigation

      Layout.preferredWidth: 220
      Layout.fillHeight: true
    }

    StackLayout {
      id: pages

      objectName: "pages"
      currentIndex: navigation.currentIndex
      Layout.fillWidth: true
      Layout.fillHeight: true

      OverviewPage {
        objectName: "overviewPage"
      }

      PlaceholderPage {
        objectName: "composerPage"
        title: qsTr("Composer")
        description: qsTr("The pod composer will let you put together containers, images, resources, ports, volumes and secrets with a live YAML view and inline validation; it is not available yet.")
      }

      PlaceholderPage {
        objectName: "marketplacePage"
        title: qsTr("Marketplace")
        description: qsTr("The marketplace will list providers with their prices and regions, and your orders and their bids; it is not available yet.")
      }

      PlaceholderPage {
        objectName: "deploymentsPage"
        title: qsTr("Deployments")
        description: qsTr("Your deployments will appear here with their status, charts and logs, ready to update, top up or close; this page is not available yet.")
      }

      PlaceholderPage {
        objectName: "walletPage"
        title: qsTr("Wallet")
        description: qsTr("Your address, balances and payment channels with their runway will appear here; the wallet is not available yet.")
      }
    }
  }
}
