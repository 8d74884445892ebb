import QtQuick
import QtQuick.Controls

// The side navigation: one entry per page of the dashboard, grouped by role.
// Its currentIndex selects the page; the order matches the pages in Main.qml.
Pane {
  id: pane

  property alias currentIndex: navigation.currentIndex

  padding: 0
  background: Rectangle {
    color: pane.palette.base

    Rectangle {
      anchors.right: parent.right
      width: 1
      height: parent.height
      color: pane.palette.mid
    }
  }

  ListView {
    id: navigation

    objectName: "navigation"
    anchors.fill: parent
    anchors.rightMargin: 1
    clip: true
    currentIndex: 0
    focus: true
    keyNavigationEnabled: true
    boundsBehavior: Flickable.StopAtBounds

    // Without Debian's qml6-module-qtqml-models (not needed at run time) qmllint
    // lacks the type information of ListModel and ListElement.
    // qmllint disable
    model: ListModel {
      ListElement {
        group: qsTr("Provider")
        title: qsTr("Overview")
      }
      ListElement {
        group: qsTr("Publisher")
        title: qsTr("Composer")
      }
      ListElement {
        group: qsTr("Publisher")
        title: qsTr("Marketplace")
      }
      ListElement {
        group: qsTr("Publisher")
        title: qsTr("Deployments")
      }
      ListElement {
        group: qsTr("Publisher")
        title: qsTr("Wallet")
      }
    }
    // qmllint enable

    section.property: "group"
    section.delegate: Label {
      required property string section

      width: ListView.view.width
      topPadding: 16
      leftPadding: 16
      bottomPadding: 4
      text: section
      font.bold: true
      opacity: 0.7
    }

    delegate: ItemDelegate {
      required property int index
      required property string title

      objectName: "navigationItem" + index
      width: ListView.view.width
      leftPadding: 24
      text: title
      highlighted: ListView.isCurrentItem
      onClicked: ListView.view.currentIndex = index
    }
  }
}
