Attribute VB_Name = "ProductiveErrors"
' Turns a failure in Python into a real Excel error value, and keeps its message for the cell so
' that "Explain error" on the Productive tab can say why a PRODUCTIVE_* cell shows an error.
Option Explicit

' Message of each cell whose PRODUCTIVE_* call failed, keyed by book, sheet and address. A
' Collection rather than a Scripting.Dictionary so that it also works on a Mac.
Private messages As Collection

' The error value a PRODUCTIVE_* call failed with, read from the text Python raised, which holds
' "[#N/A] PRODUCTIVE_HOURLY_COST: band 'Band 10' is not an Agenda for Change band". Any other
' failure (Python not found, an unexpected fault) is #VALUE!, and its whole text is kept.
Public Function FromPython(ByVal description As String, ByVal caller As Variant) As Variant
    Dim code As Variant, found As Long, at As Long, errorCode As String, message As String
    For Each code In Array("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")
        at = InStr(1, description, "[" & code & "] ", vbBinaryCompare)
        If at > 0 And (found = 0 Or at < found) Then
            found = at
            errorCode = code
        End If
    Next code
    If found = 0 Then
        errorCode = "#VALUE!"
        message = description
    Else
        message = Mid$(description, found + Len(errorCode) + 3)
        ' The COM bridge may add the rest of the Python traceback after the message's own line.
        at = InStr(1, message, vbLf)
        If at > 0 Then message = Left$(message, at - 1)
        message = errorCode & " " & Trim$(Replace(message, vbCr, ""))
    End If
    Remember caller, message
    FromPython = ErrorValue(errorCode)
End Function

' The Excel error value written as code ("#N/A" gives CVErr(xlErrNA)).
Public Function ErrorValue(ByVal code As String) As Variant
    Select Case code
        Case "#DIV/0!": ErrorValue = CVErr(xlErrDiv0)
        Case "#N/A": ErrorValue = CVErr(xlErrNA)
        Case "#NAME?": ErrorValue = CVErr(xlErrName)
        Case "#NULL!": ErrorValue = CVErr(xlErrNull)
        Case "#NUM!": ErrorValue = CVErr(xlErrNum)
        Case "#REF!": ErrorValue = CVErr(xlErrRef)
        Case Else: ErrorValue = CVErr(xlErrValue)
    End Select
End Function

' Keep message as the reason the calling cell shows an error.
Public Sub Remember(ByVal caller As Variant, ByVal message As String)
    Dim key As String
    key = CellKey(caller)
    If key = "" Then Exit Sub
    If messages Is Nothing Then Set messages = New Collection
    Forget caller
    messages.Add message, key
End Sub

' Drop the message of the calling cell: its last calculation succeeded.
Public Sub Forget(ByVal caller As Variant)
    Dim key As String
    key = CellKey(caller)
    If key = "" Or messages Is Nothing Then Exit Sub
    ' A Collection cannot be asked whether it holds a key: removing an absent one just fails.
    On Error Resume Next
    messages.Remove key
End Sub

' Why cell shows an error, or "" when no PRODUCTIVE_* call of it failed since the book opened.
Public Function MessageFor(ByVal cell As Range) As String
    If messages Is Nothing Then Exit Function
    On Error Resume Next
    ' Item by name: LibreOffice's Basic fails a Collection's default member on a module variable.
    MessageFor = messages.Item(CellKey(cell))
End Function

' "[Book.xlsm]Sheet!A1" for a cell (its address with book and sheet, as Excel writes it), ""
' when the caller is not a cell (VBA, a chart, a name). The address is read through an object
' variable, not through caller itself, and in one call: LibreOffice's Basic refuses to call a
' procedure that reads members of a parameter given a value that is no object (error 91, before
' the TypeName test could run), and its Worksheet.Parent is Nothing.
Private Function CellKey(ByVal caller As Variant) As String
    Dim cell As Object
    If TypeName(caller) <> "Range" Then Exit Function
    Set cell = caller
    CellKey = cell.Cells(1, 1).Address(False, False, xlA1, True)
End Function
