import QtCharts

// CPU and memory utilisation over the last hour, in percent of what the provider offers.
// Empty until the provider console feeds it.
ChartView {
  id: chart

  objectName: "utilisationChart"
  title: qsTr("Utilisation (no data yet)")
  antialiasing: true

  // Debian's QtCharts type information lists ValueAxis twice and lacks the legend's
  // type, which trips qmllint.
  // qmllint disable import type property
  legend.alignment: Qt.AlignBottom

  ValueAxis {
    id: timeAxis

    min: 0
    max: 60
    reverse: true
    tickCount: 7
    labelFormat: "%.0f"
    titleText: qsTr("Minutes ago")
  }

  ValueAxis {
    id: percentAxis

    min: 0
    max: 100
    tickCount: 6
    labelFormat: "%.0f"
    titleText: qsTr("Percent")
  }

  LineSeries {
    objectName: "cpuSeries"
    name: qsTr("CPU")
    axisX: timeAxis
    axisY: percentAxis
  }

  LineSeries {
    objectName: "memorySeries"
    name: qsTr("Memory")
    axisX: timeAxis
    axisY: percentAxis
  }
  // qmllint enable import type property
}
