' Test stand-in, used only by tests/test_vba_in_libreoffice.py, for the xlwings module in the
' LibreOffice run: what ProductiveFunctions and ProductiveRibbon call of it, XLPy and RunPython.
' The real xlwings.bas cannot be compiled by LibreOffice (README, "Checked in Excel"), and one
' module that does not compile keeps every module of the project from running.
Option VBASupport 1
Option Explicit

' xlwings' XLPy returns the COM server of its Python; this returns the stand-in for it.
Public Function XLPy()
    Set XLPy = New XLPyStandIn
End Function

' xlwings runs PythonCommand in Python; this only records it.
Public Function RunPython(PythonCommand As String)
    Dim stand As New XLPyStandIn
    stand.StandIn("run_python").invoke Array(PythonCommand), Array(), Array()
End Function
