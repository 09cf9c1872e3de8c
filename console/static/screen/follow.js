// The officer's follow-through from the screen: dispatches followed in the drawer, teams opened from their cards
// (phones and sign-in links), and an alert's case and call in one click.
import * as alertActions from "./alert-actions.js";
import * as dispatchView from "./dispatch-view.js";
import * as teamBoard from "./team-board.js";

export function start(life, setup) {
  for (const part of [dispatchView, teamBoard, alertActions]) part.start(life, setup);
}
