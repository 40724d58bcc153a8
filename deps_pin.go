//go:build pimmaildeps

// This file only pins the stack's modules in go.mod until the packages that
// use them land; it is removed once they do.
package main

import (
	_ "github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	_ "github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
	_ "github.com/charmbracelet/bubbles/help"
	_ "github.com/charmbracelet/bubbles/key"
	_ "github.com/charmbracelet/bubbles/spinner"
	_ "github.com/charmbracelet/bubbles/textinput"
	_ "github.com/charmbracelet/bubbles/viewport"
	_ "github.com/charmbracelet/bubbletea"
	_ "github.com/charmbracelet/lipgloss"
	_ "github.com/charmbracelet/x/exp/teatest"
	_ "github.com/emersion/go-smtp"
	_ "github.com/wneessen/go-mail"
)
